"""Fonts for the Typst PDFs.

Latin text, code and math use the fonts compiled into Typst (Libertinus Serif, DejaVu
Sans Mono, New Computer Modern Math), so English papers look the same on every machine.
Korean (and any other CJK text, e.g. a name on the roster) needs a real CJK font from the
system or from ``--font-path``; without one the PDF would show empty boxes ("tofu"), so
:func:`fonts_for` raises a :class:`RenderError` that says which package to install.
System fonts are never scanned as a whole (``ignore_system_fonts``): only the files found
here are given to Typst, which keeps the output identical across machines. The user's fonts
come first; when they have no Korean font (e.g. a folder of Latin fonts), the Korean text
still gets the system's CJK font.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import RenderError

TEXT_FONT = "Libertinus Serif"
MONO_FONT = "DejaVu Sans Mono"
MATH_FONT = "New Computer Modern Math"

# (family Typst will see, file name patterns), in order of preference.
CJK_FONTS = (
    ("Noto Serif CJK KR", ("NotoSerifCJK-Regular.ttc", "NotoSerifCJKkr-Regular.otf",
                           "NotoSerifKR-Regular.otf")),
    ("Noto Sans CJK KR", ("NotoSansCJK-Regular.ttc", "NotoSansCJKkr-Regular.otf",
                          "NotoSansKR-Regular.otf")),
    ("NanumMyeongjo", ("NanumMyeongjo.ttf",)),
    ("NanumGothic", ("NanumGothic.ttf",)),
)
CJK_BOLD = {"NotoSerifCJK-Regular.ttc": "NotoSerifCJK-Bold.ttc",
            "NotoSansCJK-Regular.ttc": "NotoSansCJK-Bold.ttc",
            "NanumMyeongjo.ttf": "NanumMyeongjoBold.ttf", "NanumGothic.ttf": "NanumGothicBold.ttf"}
SYSTEM_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
               "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts")
_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                  r"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")

INSTALL_HINT = ("Install a Korean font (Debian/Ubuntu: `apt-get install fonts-noto-cjk` or "
                "`fonts-nanum`) or pass --font-path DIR with a folder holding one "
                "(e.g. NotoSerifCJK-Regular.ttc).")


@dataclass(frozen=True)
class FontSet:
    text: tuple[str, ...]     # family fallback list for body text
    mono: tuple[str, ...]
    math: tuple[str, ...]
    paths: tuple[str, ...]    # font files/folders handed to Typst

    def to_dict(self) -> dict:
        return {"text": list(self.text), "mono": list(self.mono), "math": list(self.math)}


LATIN = FontSet((TEXT_FONT,), (MONO_FONT,), (MATH_FONT,), ())


def needs_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=32)
def find_cjk(extra_dirs: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]] | None:
    """(family, font files) of the first Korean font found, user folders first; or None."""
    dirs = [Path(d).expanduser() for d in (*extra_dirs, *SYSTEM_DIRS)]
    for family, names in CJK_FONTS:
        for d in dirs:
            if d.is_file() and d.name in names:
                return family, (str(d),)
            if not d.is_dir():
                continue
            for name in names:
                hits = sorted(d.rglob(name))
                if hits:
                    files = [str(hits[0])]
                    bold = CJK_BOLD.get(name)
                    if bold and (hits[0].parent / bold).is_file():
                        files.append(str(hits[0].parent / bold))
                    return family, tuple(files)
    return None


def typst_dirs(paths, scratch: Path) -> list[str]:
    """Typst reads fonts from folders only: link single font files into ``scratch``."""
    dirs = []
    for p in map(Path, paths):
        if p.is_dir():
            dirs.append(str(p))
            continue
        scratch.mkdir(parents=True, exist_ok=True)
        link = scratch / p.name
        if not link.exists():
            try:
                link.symlink_to(p.resolve())
            except OSError:
                shutil.copyfile(p, link)
        if str(scratch) not in dirs:
            dirs.append(str(scratch))
    return dirs


@lru_cache(maxsize=32)
def _user_faces(paths: tuple[str, ...]) -> tuple[tuple[str, str, int], ...]:
    """(family, file, index in the file) of the first face of each family Typst finds in the
    user's --font-path folders/files."""
    if not paths:
        return ()
    import typst

    scratch = Path(tempfile.mkdtemp(prefix="quizgen-fonts-"))
    try:
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                            font_paths=typst_dirs(paths, scratch))
        linked = {Path(p).name: p for p in paths if not Path(p).is_dir()}  # scratch/x.ttf -> p
        faces: dict[str, tuple[str, str, int]] = {}
        for f in fonts.fonts():
            path = Path(f.path)
            if path.parent == scratch:
                path = Path(linked.get(path.name, path))
            faces.setdefault(f.family, (f.family, str(path), f.index))
        return tuple(faces[k] for k in sorted(faces))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def user_families(paths: tuple[str, ...]) -> tuple[str, ...]:
    """Font families in the user's --font-path folders/files (tried after Libertinus)."""
    return tuple(family for family, _, _ in _user_faces(paths))


HANGUL_PROBE = 0xAC00  # 가: a font without it cannot set Korean text


def _has_hangul(path: str, index: int) -> bool:
    try:
        from fontTools.ttLib import TTFont  # a dependency of matplotlib

        with TTFont(path, fontNumber=index, lazy=True) as font:
            return HANGUL_PROBE in (font.getBestCmap() or {})
    except Exception:  # noqa: BLE001 - unreadable here: count it as no Korean font
        return False


@lru_cache(maxsize=32)
def user_has_cjk(paths: tuple[str, ...]) -> bool:
    """Whether one of the user's font families has Korean letters (Hangul)."""
    return any(_has_hangul(path, index) for _, path, index in _user_faces(paths))


def fonts_for(lang: str, texts_need_cjk: bool, font_paths=()) -> FontSet:
    """The fonts for a document in ``lang``; RenderError when CJK text has no font."""
    user = tuple(str(Path(p).expanduser()) for p in (font_paths or ()))
    for p in user:
        if not Path(p).exists():
            raise RenderError("this font path does not exist.", path=p, field="--font-path")
    text, mono, math = [TEXT_FONT], [MONO_FONT], [MATH_FONT]
    paths = list(user)
    families = user_families(user)
    text.extend(families)
    math.extend(families)
    if (lang == "ko" or texts_need_cjk) and not user_has_cjk(user):
        # The user's fonts (if any) have no Korean: a CJK font from them or the system follows.
        found = find_cjk(user)
        if found is None:
            what = "Korean papers need" if lang == "ko" else "This exam contains CJK text and needs"
            raise RenderError(f"{what} a CJK font for the PDF, and none was found.",
                              hint=INSTALL_HINT)
        family, files = found
        text.append(family)
        mono.append(family)
        math.append(family)
        paths.extend(f for f in files if f not in paths)
    return FontSet(tuple(text), tuple(mono), tuple(math), tuple(paths))
