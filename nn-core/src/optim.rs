//! Optimisers and learning-rate schedules, applied elementwise to a segment of the flat
//! parameter run with the matching segments of the gradient and the optimiser state.

use crate::{math, Error};

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
}

impl Optimizer {
    /// Adam with the usual `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.
    pub const ADAM: Optimizer = Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

    /// Floats of state per parameter (0, 1 or 2).
    pub const fn state_per_param(self) -> usize {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } => 1,
            Optimizer::Adam { .. } => 2,
        }
    }

    /// The name used by the CLI.
    pub const fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Nesterov { .. } => "nesterov",
            Optimizer::Adam { .. } => "adam",
        }
    }

    /// Checks the hyperparameters.
    pub fn validate(self) -> Result<(), Error> {
        let unit = |x: f32| (0.0..1.0).contains(&x);
        match self {
            Optimizer::Sgd => Ok(()),
            Optimizer::Momentum { momentum } | Optimizer::Nesterov { momentum } if unit(momentum) => Ok(()),
            Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } => {
                Err(Error::Hyperparameter("momentum must be in [0, 1)"))
            }
            Optimizer::Adam { beta1, beta2, epsilon } => {
                if !unit(beta1) || !unit(beta2) {
                    Err(Error::Hyperparameter("Adam betas must be in [0, 1)"))
                } else if !(epsilon > 0.0 && epsilon.is_finite()) {
                    Err(Error::Hyperparameter("Adam epsilon must be positive and finite"))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Updates one segment: `params`, its gradient `grads`, and its state `m` and `v`
    /// (as long as `params` where the optimiser keeps that state, else empty). `step` is
    /// the 1-based update count (Adam's bias correction), `decay` the L2 coefficient
    /// added to the gradient as `g + decay·θ`.
    ///
    /// With `commit` false nothing is written: the update is only computed, and the
    /// return value says whether every new parameter and state value would be finite.
    /// The trainer runs it that way first, so a diverging step never touches anything.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        self,
        params: &mut [f32],
        grads: &[f32],
        m: &mut [f32],
        v: &mut [f32],
        lr: f32,
        decay: f32,
        step: u32,
        commit: bool,
    ) -> bool {
        let mut finite = true;
        let effective = |g: f32, p: f32| if decay == 0.0 { g } else { g + decay * p };
        match self {
            Optimizer::Sgd => {
                for (p, &g) in params.iter_mut().zip(grads) {
                    let new = *p - lr * effective(g, *p);
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
                    let new = if nesterov { *p - lr * (g + momentum * vel) } else { *p - lr * vel };
                    finite &= new.is_finite() && vel.is_finite();
                    if commit {
                        *v = vel;
                        *p = new;
                    }
                }
            }
            Optimizer::Adam { beta1, beta2, epsilon } => {
                let t = step as f32;
                let c1 = 1.0 - math::pow(beta1, t);
                let c2 = 1.0 - math::pow(beta2, t);
                for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m.iter_mut()).zip(v.iter_mut()) {
                    let g = effective(g, *p);
                    let m_new = beta1 * *m + (1.0 - beta1) * g;
                    let v_new = beta2 * *v + (1.0 - beta2) * (g * g);
                    let new = *p - lr * (m_new / c1) / (math::sqrt(v_new / c2) + epsilon);
                    finite &= new.is_finite() && m_new.is_finite() && v_new.is_finite();
                    if commit {
                        *m = m_new;
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
        match self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } if every >= 1 && factor(gamma) => Ok(()),
            Schedule::Exponential { gamma } if factor(gamma) => Ok(()),
            Schedule::InverseTime { decay } if decay >= 0.0 && decay.is_finite() => Ok(()),
            _ => Err(Error::Hyperparameter("schedule factor out of range")),
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
        assert!(Schedule::Step { every: 0, gamma: 0.5 }.validate().is_err());
        assert!(Schedule::Exponential { gamma: 1.5 }.validate().is_err());
    }

    #[test]
    fn momentum_accumulates() {
        let mut p = [1.0f32];
        let mut v = [0.0f32];
        let opt = Optimizer::Momentum { momentum: 0.5 };
        assert!(opt.update(&mut p, &[1.0], &mut v, &mut [], 0.1, 0.0, 1, true));
        assert!(opt.update(&mut p, &[1.0], &mut v, &mut [], 0.1, 0.0, 2, true));
        assert_eq!(v, [1.5]);
        assert_eq!(p, [1.0 - 0.1 - 0.15]);
    }

    #[test]
    fn adam_first_step_moves_by_the_learning_rate() {
        let mut p = [0.0f32];
        let (mut m, mut v) = ([0.0f32], [0.0f32]);
        assert!(Optimizer::ADAM.update(&mut p, &[3.0], &mut m, &mut v, 0.01, 0.0, 1, true));
        assert!((p[0] + 0.01).abs() < 1e-7);
    }

    #[test]
    fn a_dry_run_writes_nothing() {
        let mut p = [f32::MAX];
        assert!(!Optimizer::Sgd.update(&mut p, &[-f32::MAX], &mut [], &mut [], 1.0, 0.0, 1, false));
        assert_eq!(p, [f32::MAX]);
    }

    #[test]
    fn bad_hyperparameters_are_refused() {
        assert!(Optimizer::Momentum { momentum: 1.0 }.validate().is_err());
        assert!(Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 0.0 }.validate().is_err());
        assert!(Optimizer::ADAM.validate().is_ok());
    }
}
