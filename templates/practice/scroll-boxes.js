// Wide tables and formulas sit in boxes (class "scroll-x") that scroll sideways when the
// window is narrower than what they hold. The page is written with every box a keyboard
// stop with a name, which is right without this script (the HTML papers have no script).
// Here a box is a stop, and named, only while it really scrolls: at a desktop width most
// do not, and a keyboard or screen reader user then meets no empty stops. Checked again
// when the window or a box changes size (a solution opened).
(function () {
  var boxes = document.querySelectorAll('.scroll-x');
  function update() {
    var wide = [];
    for (var i = 0; i < boxes.length; i++) {  // read every width first, then write
      wide.push(boxes[i].scrollWidth > boxes[i].clientWidth + 1);
    }
    for (var j = 0; j < boxes.length; j++) {
      var box = boxes[j];
      if (!box.hasAttribute('data-name')) box.setAttribute('data-name', box.getAttribute('aria-label') || '');
      if (wide[j]) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'group');
        box.setAttribute('aria-label', box.getAttribute('data-name'));
      } else {
        box.removeAttribute('tabindex');
        box.removeAttribute('role');
        box.removeAttribute('aria-label');
      }
    }
  }
  var pending = false;
  function later() {
    if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; update(); }); }
  }
  update();
  window.addEventListener('resize', later);
  window.addEventListener('load', update);
  if (window.ResizeObserver) {  // a box that appears (a solution opened) or changes width
    var watch = new ResizeObserver(later);
    for (var k = 0; k < boxes.length; k++) watch.observe(boxes[k]);
  }
})();
