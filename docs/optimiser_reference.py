"""RMSProp and AdamW step by step, as PyTorch computes them, in float64 (numpy only).

The updates are transcribed from torch.optim's single-tensor code paths
(`_single_tensor_rmsprop` with momentum = 0 and centered = False, PyTorch's defaults;
`_single_tensor_adam` with decoupled weight decay, i.e. torch.optim.AdamW), not from
nn-core. The objective is f(θ) = Σ θᵢ⁴/4 − aᵢθᵢ, whose gradient θ³ − a depends on θ, so
every step depends on the ones before it. The printed tables are the vectors of
nn-core/src/optim.rs's test `rmsprop_and_adamw_follow_pytorch_step_by_step`.

    python3 docs/optimiser_reference.py
"""

import numpy as np

THETA0 = np.array([0.5, -1.5, 2.0])
A = np.array([1.0, -0.5, 0.25])
STEPS = 5


def grad(theta):
    return theta**3 - A


def rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0):
    param, square_avg, out = THETA0.copy(), np.zeros_like(THETA0), []
    for _ in range(STEPS):
        g = grad(param)
        if weight_decay != 0:
            g = g + weight_decay * param
        square_avg = square_avg * alpha + (1 - alpha) * g * g
        avg = np.sqrt(square_avg) + eps
        param = param - lr * g / avg
        out.append(param.copy())
    return out


def adamw(lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    param, exp_avg, exp_avg_sq, out = THETA0.copy(), np.zeros_like(THETA0), np.zeros_like(THETA0), []
    for step in range(1, STEPS + 1):
        g = grad(param)
        param = param * (1 - lr * weight_decay)
        exp_avg = exp_avg + (g - exp_avg) * (1 - beta1)  # lerp_
        exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * g * g
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        denom = np.sqrt(exp_avg_sq) / np.sqrt(bias_correction2) + eps
        param = param - step_size * exp_avg / denom
        out.append(param.copy())
    return out


def table(name, rows):
    print(f"const {name}: [[f64; 3]; {STEPS}] = [")
    for r in rows:
        print("    [" + ", ".join(repr(float(x)) for x in r) + "],")
    print("];")


if __name__ == "__main__":
    table("RMSPROP_LR_0_01", rmsprop(0.01))
    table("ADAMW_LR_0_1_DECAY_0_5", adamw(0.1, weight_decay=0.5))
