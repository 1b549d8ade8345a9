//! Optimisers and learning-rate schedules, applied elementwise to a segment of the flat
//! parameter run with the matching segments of the gradient and the optimiser state.

use crate::error::{Error, Hyperparameter};
use crate::math;

/// `θ − η·g`: the gradient-descent rule, one parameter at a time. [`Optimizer::Sgd`],
/// the momentum rules and the fused per-sample step all descend through it.
#[inline(always)]
pub(crate) fn descend(theta: f32, learning_rate: f32, g: f32) -> f32 {
    theta - learning_rate * g
}

/// Whether a layer's biases are trained or left as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Biases {
    /// The biases are updated with the weights.
    #[default]
    Train,
    /// The biases keep their values.
    Frozen,
}

/// Whether an update is written or only computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Apply {
    /// Compute every new value and say whether all are finite; write nothing.
    DryRun,
    /// Compute and write.
    Commit,
}

/// Bounds of the magnitudes an update reads in one segment (each at least the largest
/// `|value|`, `+∞` for a value that is not finite): [`Optimizer::bound`]'s input.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Magnitudes {
    /// The parameters.
    pub param: f32,
    /// The gradient.
    pub grad: f32,
    /// The first state (velocity, Adam's `m`, RMSProp's `v`).
    pub first: f32,
    /// The second state (Adam's `v`).
    pub second: f32,
}

/// A gradient-descent rule.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Optimizer {
    /// `θ −= η g`.
    Sgd,
    /// Classical momentum: `v = μ v + g`, `θ −= η v`.
    Momentum {
        /// `μ`, in `[0, 1)`.
        momentum: f32,
    },
    /// Nesterov momentum: `v = μ v + g`, `θ −= η (g + μ v)`.
    Nesterov {
        /// `μ`, in `[0, 1)`.
        momentum: f32,
    },
    /// Adam with bias correction: `m = β₁m + (1 − β₁)g`, `v = β₂v + (1 − β₂)g²`,
    /// `θ −= η m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
    Adam {
        /// `β₁`, in `[0, 1)`.
        beta1: f32,
        /// `β₂`, in `[0, 1)`.
        beta2: f32,
        /// `ε`, positive.
        epsilon: f32,
    },
    /// AdamW, as PyTorch's `torch.optim.AdamW` defines it: the weight decay `λ`
    /// ([`TrainConfig::weight_decay`](crate::TrainConfig::weight_decay)) is decoupled from
    /// the gradient, `θ ← θ·(1 − ηλ)`, and then the Adam step above is taken on the plain
    /// gradient. Weights are decayed, biases are not (as with the L2 decay of the others).
    AdamW {
        /// `β₁`, in `[0, 1)`.
        beta1: f32,
        /// `β₂`, in `[0, 1)`.
        beta2: f32,
        /// `ε`, positive.
        epsilon: f32,
    },
    /// RMSProp in the form of PyTorch's `torch.optim.RMSprop` with its defaults (no
    /// momentum, not centered; neither is offered): `v = αv + (1 − α)g²`,
    /// `θ −= η g / (√v + ε)`, with `ε` outside the root and no bias correction, so the
    /// first steps are larger than `η` (`v` starts at 0).
    RmsProp {
        /// The smoothing constant `α`, in `[0, 1)`.
        alpha: f32,
        /// `ε`, positive.
        epsilon: f32,
    },
}

impl Optimizer {
    /// Adam with the usual `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.
    pub const ADAM: Optimizer = Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    /// AdamW with PyTorch's defaults `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8` (PyTorch's default
    /// decay `λ = 0.01` is the [`TrainConfig`](crate::TrainConfig)'s to set).
    pub const ADAMW: Optimizer = Optimizer::AdamW { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    /// RMSProp with PyTorch's defaults `α = 0.99`, `ε = 1e-8`.
    pub const RMSPROP: Optimizer = Optimizer::RmsProp { alpha: 0.99, epsilon: 1e-8 };

    /// Floats of state per parameter (0, 1 or 2).
    pub(crate) const fn state_per_param(self) -> usize {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } | Optimizer::RmsProp { .. } => 1,
            Optimizer::Adam { .. } | Optimizer::AdamW { .. } => 2,
        }
    }

    /// The name used by the CLI.
    pub const fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Nesterov { .. } => "nesterov",
            Optimizer::Adam { .. } => "adam",
            Optimizer::AdamW { .. } => "adamw",
            Optimizer::RmsProp { .. } => "rmsprop",
        }
    }

    /// Checks the hyperparameters.
    pub fn validate(self) -> Result<(), Error> {
        let unit = |x: f32| (0.0..1.0).contains(&x);
        let positive = |x: f32| x > 0.0 && x.is_finite();
        match self {
            Optimizer::Sgd => Ok(()),
            Optimizer::Momentum { momentum } | Optimizer::Nesterov { momentum } if unit(momentum) => Ok(()),
            Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } => {
                Err(Error::Hyperparameter(Hyperparameter::Momentum))
            }
            Optimizer::Adam { beta1, beta2, epsilon } | Optimizer::AdamW { beta1, beta2, epsilon } => {
                if !unit(beta1) || !unit(beta2) {
                    Err(Error::Hyperparameter(Hyperparameter::AdamBeta))
                } else if !positive(epsilon) {
                    Err(Error::Hyperparameter(Hyperparameter::AdamEpsilon))
                } else {
                    Ok(())
                }
            }
            Optimizer::RmsProp { alpha, .. } if !unit(alpha) => {
                Err(Error::Hyperparameter(Hyperparameter::RmsPropAlpha))
            }
            Optimizer::RmsProp { epsilon, .. } if !positive(epsilon) => {
                Err(Error::Hyperparameter(Hyperparameter::RmsPropEpsilon))
            }
            Optimizer::RmsProp { .. } => Ok(()),
        }
    }

    /// An upper bound on the magnitude of every new parameter and state value that
    /// [`update`](Self::update) would compute for a segment whose values are bounded by
    /// `m`, or a value that is not finite where none is proven. The bound follows each
    /// update's expression tree with magnitudes, in the same `f32` operations, which
    /// round monotonically; the denominators `√v̂ + ε` and `√v + ε` are at least `ε`. So
    /// a finite bound proves the update finite, and the trainer writes it in one pass.
    pub(crate) fn bound(self, m: Magnitudes, lr: f32, decay: f32, step: u32) -> f32 {
        let g = m.grad + decay * m.param;
        match self {
            Optimizer::Sgd => m.param + lr * g,
            Optimizer::Momentum { momentum } => {
                let vel = momentum * m.first + g;
                m.param + lr * vel + vel
            }
            Optimizer::Nesterov { momentum } => {
                let vel = momentum * m.first + g;
                m.param + lr * (g + momentum * vel) + vel
            }
            Optimizer::Adam { beta1, beta2, epsilon } | Optimizer::AdamW { beta1, beta2, epsilon } => {
                // AdamW's θ·(1 − ηλ) is at most |θ|, and its gradient has no decay term.
                let g = if matches!(self, Optimizer::AdamW { .. }) { m.grad } else { g };
                let c1 = 1.0 - math::pow(beta1, step as f32);
                let m_new = beta1 * m.first + (1.0 - beta1) * g;
                let v_new = beta2 * m.second + (1.0 - beta2) * (g * g);
                m.param + lr * (m_new / c1) / epsilon + m_new + v_new
            }
            Optimizer::RmsProp { alpha, epsilon } => {
                let v_new = alpha * m.first + (1.0 - alpha) * (g * g);
                m.param + lr * g / epsilon + v_new
            }
        }
    }

    /// Updates one segment: `params`, its gradient `grads`, and its state `m` and `v`
    /// (as long as `params` where the optimiser keeps that state, else empty). `step` is
    /// the 1-based update count (Adam's bias correction), `decay` the weight decay: an L2
    /// term added to the gradient as `g + decay·θ`, except for AdamW, which first shrinks
    /// the parameter to `θ·(1 − lr·decay)` and leaves the gradient alone.
    ///
    /// With [`Apply::DryRun`] nothing is written: the update is only computed, and the
    /// return value says whether every new parameter and state value would be finite.
    /// The trainer runs it that way first when [`bound`](Self::bound) proves nothing,
    /// so a diverging step never touches anything.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn update(
        self,
        params: &mut [f32],
        grads: &[f32],
        m: &mut [f32],
        v: &mut [f32],
        lr: f32,
        decay: f32,
        step: u32,
        apply: Apply,
    ) -> bool {
        let commit = apply == Apply::Commit;
        let mut finite = true;
        let effective = |g: f32, p: f32| if decay == 0.0 { g } else { g + decay * p };
        match self {
            Optimizer::Sgd => {
                for (p, &g) in params.iter_mut().zip(grads) {
                    let new = descend(*p, lr, effective(g, *p));
                    finite &= new.is_finite();
                    if commit {
                        *p = new;
                    }
                }
            }
            Optimizer::Momentum { momentum } | Optimizer::Nesterov { momentum } => {
                let nesterov = matches!(self, Optimizer::Nesterov { .. });
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(m.iter_mut()) {
                    let g = effective(g, *p);
                    let vel = momentum * *v + g;
                    let new = descend(*p, lr, if nesterov { g + momentum * vel } else { vel });
                    finite &= new.is_finite() && vel.is_finite();
                    if commit {
                        *v = vel;
                        *p = new;
                    }
                }
            }
            Optimizer::Adam { beta1, beta2, epsilon } | Optimizer::AdamW { beta1, beta2, epsilon } => {
                let decoupled = matches!(self, Optimizer::AdamW { .. });
                // PyTorch's AdamW: θ ← θ·(1 − ηλ) before the Adam step.
                let shrink = 1.0 - lr * decay;
                let t = step as f32;
                let c1 = 1.0 - math::pow(beta1, t);
                let c2 = 1.0 - math::pow(beta2, t);
                for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m.iter_mut()).zip(v.iter_mut()) {
                    let (theta, g) = if decoupled { (*p * shrink, g) } else { (*p, effective(g, *p)) };
                    let m_new = beta1 * *m + (1.0 - beta1) * g;
                    let v_new = beta2 * *v + (1.0 - beta2) * (g * g);
                    let new = theta - lr * (m_new / c1) / (math::sqrt(v_new / c2) + epsilon);
                    finite &= new.is_finite() && m_new.is_finite() && v_new.is_finite();
                    if commit {
                        *m = m_new;
                        *v = v_new;
                        *p = new;
                    }
                }
            }
            Optimizer::RmsProp { alpha, epsilon } => {
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(m.iter_mut()) {
                    let g = effective(g, *p);
                    let v_new = alpha * *v + (1.0 - alpha) * (g * g);
                    let new = *p - lr * g / (math::sqrt(v_new) + epsilon);
                    finite &= new.is_finite() && v_new.is_finite();
                    if commit {
                        *v = v_new;
                        *p = new;
                    }
                }
            }
        }
        finite
    }
}

/// How the learning rate changes with the epoch (0-based): the documents recommend
/// lowering it over time.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Schedule {
    /// `η`.
    Constant,
    /// `η · γ^⌊epoch / every⌋`.
    Step {
        /// Epochs between drops (at least 1).
        every: u32,
        /// Factor per drop, in `(0, 1]`.
        gamma: f32,
    },
    /// `η · γ^epoch`.
    Exponential {
        /// Factor per epoch, in `(0, 1]`.
        gamma: f32,
    },
    /// `η / (1 + k · epoch)`.
    InverseTime {
        /// `k`, not negative.
        decay: f32,
    },
}

impl Schedule {
    /// The learning rate at `epoch` for base rate `base`.
    pub fn rate(self, base: f32, epoch: u32) -> f32 {
        match self {
            Schedule::Constant => base,
            Schedule::Step { every, gamma } => base * math::pow(gamma, (epoch / every.max(1)) as f32),
            Schedule::Exponential { gamma } => base * math::pow(gamma, epoch as f32),
            Schedule::InverseTime { decay } => base / (1.0 + decay * epoch as f32),
        }
    }

    /// Checks the schedule's parameters.
    pub fn validate(self) -> Result<(), Error> {
        let factor = |g: f32| g > 0.0 && g <= 1.0;
        let bad = |which| Err(Error::Hyperparameter(which));
        match self {
            Schedule::Step { every: 0, .. } => bad(Hyperparameter::ScheduleEvery),
            Schedule::Step { gamma, .. } | Schedule::Exponential { gamma } if !factor(gamma) => {
                bad(Hyperparameter::ScheduleGamma)
            }
            Schedule::InverseTime { decay } if !(decay >= 0.0 && decay.is_finite()) => {
                bad(Hyperparameter::ScheduleDecay)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert_eq!(Schedule::Constant.rate(0.5, 9), 0.5);
        assert_eq!(Schedule::Step { every: 10, gamma: 0.5 }.rate(1.0, 25), 0.25);
        assert_eq!(Schedule::Exponential { gamma: 0.5 }.rate(1.0, 3), 0.125);
        assert_eq!(Schedule::InverseTime { decay: 1.0 }.rate(1.0, 3), 0.25);
        let bad = |which| Err(Error::Hyperparameter(which));
        assert_eq!(Schedule::Step { every: 0, gamma: 0.5 }.validate(), bad(Hyperparameter::ScheduleEvery));
        assert_eq!(Schedule::Step { every: 2, gamma: 0.0 }.validate(), bad(Hyperparameter::ScheduleGamma));
        assert_eq!(Schedule::Exponential { gamma: 1.5 }.validate(), bad(Hyperparameter::ScheduleGamma));
        assert_eq!(Schedule::InverseTime { decay: -1.0 }.validate(), bad(Hyperparameter::ScheduleDecay));
        assert_eq!(Schedule::Exponential { gamma: 1.0 }.validate(), Ok(()));
    }

    #[test]
    fn momentum_accumulates() {
        let mut p = [1.0f32];
        let mut v = [0.0f32];
        let opt = Optimizer::Momentum { momentum: 0.5 };
        assert!(opt.update(&mut p, &[1.0], &mut v, &mut [], 0.1, 0.0, 1, Apply::Commit));
        assert!(opt.update(&mut p, &[1.0], &mut v, &mut [], 0.1, 0.0, 2, Apply::Commit));
        assert_eq!(v, [1.5]);
        assert_eq!(p, [1.0 - 0.1 - 0.15]);
    }

    #[test]
    fn adam_first_step_moves_by_the_learning_rate() {
        let mut p = [0.0f32];
        let (mut m, mut v) = ([0.0f32], [0.0f32]);
        assert!(Optimizer::ADAM.update(&mut p, &[3.0], &mut m, &mut v, 0.01, 0.0, 1, Apply::Commit));
        assert!((p[0] + 0.01).abs() < 1e-7);
    }

    // From docs/optimiser_reference.py: PyTorch's RMSprop and AdamW updates in float64, on
    // f(θ) = Σ θᵢ⁴/4 − aᵢθᵢ from θ₀ below; row s is θ after step s + 1.
    const RMSPROP_LR_0_01: [[f64; 3]; 5] = [
        [0.5999999885714299, -1.4000000034782607, 1.9000000012903226],
        [0.666917551601929, -1.3382791848897648, 1.8349240398815205],
        [0.7185796579739614, -1.2918407552004456, 1.7843233883232388],
        [0.7606913132058464, -1.2541087700792526, 1.7420913974712853],
        [0.7959445654846788, -1.2221555953848509, 1.7054612500109136],
    ];
    const ADAMW_LR_0_1_DECAY_0_5: [[f64; 3]; 5] = [
        [0.5749999988571428, -1.325000000347826, 1.8000000001290322],
        [0.645974108796257, -1.162285024451438, 1.6121335659636877],
        [0.71278405234335, -1.0138740603190783, 1.4372230682781904],
        [0.7751329224403714, -0.8813188602024606, 1.2758576010920115],
        [0.8325284217268667, -0.7653628668401208, 1.128290053216992],
    ];
    const THETA0: [f32; 3] = [0.5, -1.5, 2.0];
    const A: [f32; 3] = [1.0, -0.5, 0.25];

    /// Five steps of `optimizer` on the objective above; θ after each.
    fn trajectory(optimizer: Optimizer, lr: f32, decay: f32) -> [[f32; 3]; 5] {
        let mut theta = THETA0;
        let (mut m, mut v) = ([0.0f32; 3], [0.0f32; 3]);
        let second: &mut [f32] = if optimizer.state_per_param() == 2 { &mut v } else { &mut [] };
        let mut out = [[0.0; 3]; 5];
        for (step, row) in out.iter_mut().enumerate() {
            let g: [f32; 3] = core::array::from_fn(|i| theta[i] * theta[i] * theta[i] - A[i]);
            assert!(optimizer.update(&mut theta, &g, &mut m, second, lr, decay, step as u32 + 1, Apply::Commit));
            *row = theta;
        }
        out
    }

    #[test]
    fn rmsprop_and_adamw_follow_pytorch_step_by_step() {
        let runs = [
            (trajectory(Optimizer::RMSPROP, 0.01, 0.0), RMSPROP_LR_0_01),
            (trajectory(Optimizer::ADAMW, 0.1, 0.5), ADAMW_LR_0_1_DECAY_0_5),
        ];
        for (run, (ours, reference)) in runs.iter().enumerate() {
            for (step, (a, b)) in ours.iter().zip(reference).enumerate() {
                for (&x, &y) in a.iter().zip(b) {
                    let err = (f64::from(x) - y).abs();
                    assert!(err <= 2e-6 * y.abs().max(1.0), "run {run} step {}: {x} vs {y}", step + 1);
                }
            }
        }
    }

    #[test]
    fn adamw_decays_apart_from_the_gradient() {
        // With a zero gradient Adam's step is 0/(0 + ε) = 0, so only the decay moves θ.
        let mut p = [2.0f32];
        let (mut m, mut v) = ([0.0f32], [0.0f32]);
        assert!(Optimizer::ADAMW.update(&mut p, &[0.0], &mut m, &mut v, 0.1, 0.5, 1, Apply::Commit));
        assert_eq!(p, [2.0 * (1.0 - 0.1 * 0.5)]);
        // Adam's L2 decay goes through the gradient instead: one step of about η.
        let mut q = [2.0f32];
        let (mut m, mut v) = ([0.0f32], [0.0f32]);
        assert!(Optimizer::ADAM.update(&mut q, &[0.0], &mut m, &mut v, 0.1, 0.5, 1, Apply::Commit));
        assert!((q[0] - 1.9).abs() < 1e-6);
    }

    #[test]
    fn the_bound_holds_every_new_value_and_is_not_finite_for_a_non_finite_input() {
        let all = [
            Optimizer::Sgd,
            Optimizer::Momentum { momentum: 0.9 },
            Optimizer::Nesterov { momentum: 0.5 },
            Optimizer::ADAM,
            Optimizer::ADAMW,
            Optimizer::RMSPROP,
        ];
        let mut rng = crate::init::Rng::new(11);
        let mut draw = |scale: f32| (rng.uniform() * 2.0 - 1.0) * scale;
        for (trial, optimizer) in all.iter().cycle().take(600).enumerate() {
            let scale = [1e-3, 1.0, 1e3, 1e12][trial % 4];
            let (lr, decay, step) = (0.05 + draw(0.04), if trial % 3 == 0 { 0.01 } else { 0.0 }, 1 + trial as u32 % 7);
            let mut p: [f32; 5] = core::array::from_fn(|_| draw(scale));
            let g: [f32; 5] = core::array::from_fn(|_| draw(scale));
            let mut m: [f32; 5] = core::array::from_fn(|_| draw(scale));
            // Adam's and RMSProp's v is a running mean of squares: not negative.
            let mut v: [f32; 5] = core::array::from_fn(|_| draw(scale).abs());
            if matches!(optimizer, Optimizer::RmsProp { .. }) {
                m.iter_mut().for_each(|x| *x = x.abs());
            }
            let per = optimizer.state_per_param();
            let first: &mut [f32] = if per >= 1 { &mut m } else { &mut [] };
            let second: &mut [f32] = if per == 2 { &mut v } else { &mut [] };
            let largest = |x: &[f32]| x.iter().fold(0.0f32, |a, b| a.max(b.abs()));
            let mags =
                Magnitudes { param: largest(&p), grad: largest(&g), first: largest(first), second: largest(second) };
            let bound = optimizer.bound(mags, lr, decay, step);
            assert!(bound.is_finite(), "{optimizer:?} scale {scale}");
            assert!(optimizer.update(&mut p, &g, first, second, lr, decay, step, Apply::Commit));
            let new = largest(&p).max(largest(first)).max(largest(second));
            assert!(new <= bound, "{optimizer:?}: {new} > {bound}");
            for bad in [f32::NAN, f32::INFINITY] {
                for k in 0..2 {
                    let mut worse = mags;
                    *[&mut worse.param, &mut worse.grad][k] = bad;
                    assert!(!optimizer.bound(worse, lr, decay, step).is_finite(), "{optimizer:?} {bad} in {k}");
                }
            }
        }
    }

    #[test]
    fn a_dry_run_writes_nothing() {
        let mut p = [f32::MAX];
        assert!(!Optimizer::Sgd.update(&mut p, &[-f32::MAX], &mut [], &mut [], 1.0, 0.0, 1, Apply::DryRun));
        assert_eq!(p, [f32::MAX]);
    }

    #[test]
    fn bad_hyperparameters_are_refused() {
        assert_eq!(
            Optimizer::Momentum { momentum: 1.0 }.validate(),
            Err(Error::Hyperparameter(Hyperparameter::Momentum))
        );
        let adam = Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 0.0 };
        assert_eq!(adam.validate(), Err(Error::Hyperparameter(Hyperparameter::AdamEpsilon)));
        assert!(Optimizer::ADAM.validate().is_ok());
        let bad = |which| Err(Error::Hyperparameter(which));
        assert_eq!(
            Optimizer::AdamW { beta1: 1.0, beta2: 0.999, epsilon: 1e-8 }.validate(),
            bad(Hyperparameter::AdamBeta)
        );
        assert_eq!(Optimizer::RmsProp { alpha: 1.0, epsilon: 1e-8 }.validate(), bad(Hyperparameter::RmsPropAlpha));
        assert_eq!(Optimizer::RmsProp { alpha: -0.5, epsilon: 1e-8 }.validate(), bad(Hyperparameter::RmsPropAlpha));
        assert_eq!(Optimizer::RmsProp { alpha: 0.9, epsilon: 0.0 }.validate(), bad(Hyperparameter::RmsPropEpsilon));
        assert_eq!(
            Optimizer::RmsProp { alpha: 0.9, epsilon: f32::INFINITY }.validate(),
            bad(Hyperparameter::RmsPropEpsilon)
        );
        assert!(Optimizer::RMSPROP.validate().is_ok() && Optimizer::ADAMW.validate().is_ok());
    }
}
