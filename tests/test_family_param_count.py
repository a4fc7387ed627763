"""params.dense / params.conv: the misconception values, recomputed in torch from the modules.

The answer itself is checked against torch in test_key_torch.py; here each typical wrong
count is rebuilt from the real modules' parameters and the real output sizes.
"""
import numpy as np
import pytest

from quizgen.instantiate import build_question

torch = pytest.importorskip("torch")
import torch_reference as ref  # noqa: E402

CONVS = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)


def modules_with_outputs(check):
    """[(module, its output tensor)] of the check's layers, run on one zero input."""
    model = ref.build_model(check["layers"], check.get("input_shape"))
    out = []
    if check.get("input_shape"):
        x = torch.zeros(1, *check["input_shape"], dtype=torch.float64)
        for m in model:
            x = m(x)
            out.append((m, x))
    else:
        out = [(m, None) for m in model]
    return out


@pytest.mark.parametrize("tid", ["params.dense", "params.conv"])
def test_wrong_counts_match_the_mistake_they_name(bank, tid):
    t = bank.templates[tid]
    seen = set()
    for level in t.level_numbers:
        for seed in range(60 if tid == "params.dense" else 25):   # (conv: large images in torch)
            q = build_question(t, level, np.random.default_rng(seed))
            mods = modules_with_outputs(q.check)
            mis = {m.id: m.value for m in q.misconceptions}
            weights = [(m.weight.numel(), m.bias.numel() if m.bias is not None else 0)
                       for m, _ in mods if getattr(m, "weight", None) is not None]
            if "bias-per-weight" in mis:   # every weight of a layer with biases gets one
                assert mis["bias-per-weight"] == sum(w + (w if b else 0) for w, b in weights)
                seen.add("bias-per-weight")
            if "per-position" in mis:      # each conv: its own kernel and bias at every output position
                want = sum(p.numel() for m, _ in mods for p in m.parameters())
                want += sum((y[0, 0].numel() - 1) * sum(p.numel() for p in m.parameters())
                            for m, y in mods if isinstance(m, CONVS))
                assert mis["per-position"] == want, (level, seed)
                seen.add("per-position")
    assert "bias-per-weight" in seen
    if tid == "params.conv":
        assert "per-position" in seen
