//! Layers and networks: compile-time shapes, runtime shapes, and the one view of both
//! that every kernel works on.
//!
//! # Parameter order
//! A network's parameters form one flat run: layer 0's weights row by row (row `j` holds
//! the weights into output neuron `j`, so `z = W·a + b`), then layer 0's biases, then
//! layer 1's weights and biases, and so on. Gradients, optimiser state, gradient checks,
//! Hessians and the codec all use this order. The run is split into *segments*:
//! segment `2l` is layer `l`'s weights, segment `2l + 1` its biases.

use crate::activation::{Activation, ActivationFn};
use crate::error::{Error, Part};
use crate::scaling::InputScaling;

/// Most layers a network may have (runtime networks and the codec).
pub const MAX_LAYERS: usize = 16;

/// The shape and activation of one dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LayerSpec {
    /// Inputs to the layer (the width of the layer below).
    pub inputs: usize,
    /// Neurons in the layer.
    pub outputs: usize,
    /// The layer's activation.
    pub activation: Activation,
}

impl LayerSpec {
    /// A layer with `inputs` inputs, `outputs` neurons and `activation`.
    pub const fn new(inputs: usize, outputs: usize, activation: Activation) -> Self {
        LayerSpec { inputs, outputs, activation }
    }

    /// Weights plus biases.
    pub const fn params(&self) -> usize {
        self.inputs * self.outputs + self.outputs
    }
}

/// Read access to a network's layers. Implemented by compile-time networks (tuples of
/// [`Dense`]) and by the runtime-shaped [`Mlp`].
pub trait Model {
    /// Number of layers.
    fn depth(&self) -> usize;
    /// Shape of layer `layer` (a zero-sized spec past the last layer).
    fn spec(&self, layer: usize) -> LayerSpec;
    /// Layer `layer`'s weights, `outputs` rows of `inputs`, row-major (empty past the end).
    fn weights(&self, layer: usize) -> &[f32];
    /// Layer `layer`'s biases (empty past the end).
    fn biases(&self, layer: usize) -> &[f32];

    /// Width of the input.
    fn inputs(&self) -> usize {
        self.spec(0).inputs
    }
    /// Width of the output.
    fn outputs(&self) -> usize {
        self.spec(self.depth().saturating_sub(1)).outputs
    }
    /// Activation of the output layer.
    fn output_activation(&self) -> Activation {
        self.spec(self.depth().saturating_sub(1)).activation
    }
    /// Total number of parameters.
    fn param_count(&self) -> usize {
        (0..self.depth()).map(|l| self.spec(l).params()).sum()
    }
    /// Segment `s` of the flat parameter run (see the module docs).
    fn segment(&self, s: usize) -> &[f32] {
        if s % 2 == 0 {
            self.weights(s / 2)
        } else {
            self.biases(s / 2)
        }
    }
    /// Parameter `k` of the flat run.
    fn param(&self, k: usize) -> Option<f32> {
        let mut k = k;
        for s in 0..2 * self.depth() {
            let seg = self.segment(s);
            if k < seg.len() {
                return seg.get(k).copied();
            }
            k -= seg.len();
        }
        None
    }
    /// Copies the flat parameter run into `out` (which must be [`param_count`](Self::param_count) long).
    fn copy_params_to(&self, out: &mut [f32]) -> Result<(), Error> {
        check_param_count(self, out.len())?;
        let mut values = out.iter_mut();
        for s in 0..2 * self.depth() {
            // The segment first: `zip` stops on it without taking a value too many.
            self.segment(s).iter().zip(values.by_ref()).for_each(|(&p, v)| *v = p);
        }
        Ok(())
    }
    /// The input-scaling stage in front of layer 0, if the model has one (a [`Scaled`]
    /// model). `None` by default: for a model without one the kernels' scaling branch
    /// folds away at compile time.
    #[inline]
    fn input_scaling(&self) -> Option<InputScaling<&[f32]>> {
        None
    }
    /// Scratch floats [`crate::forward`], [`crate::gradient`] and [`crate::sgd_step`]
    /// need: the outputs of every layer, their deltas, the output pre-activations, and
    /// the scaled input when the model has an [input scaling](Self::input_scaling).
    fn scratch_len(&self) -> usize {
        let widths: usize = (0..self.depth()).map(|l| self.spec(l).outputs).sum();
        2 * widths + self.outputs() + self.input_scaling().map_or(0, |s| s.len())
    }
}

/// [`Error::ParamCount`] unless `len` is `model`'s parameter count.
fn check_param_count<M: Model + ?Sized>(model: &M, len: usize) -> Result<(), Error> {
    let expected = model.param_count();
    if len == expected {
        Ok(())
    } else {
        Err(Error::ParamCount { expected, found: len })
    }
}

/// Write access to a network's parameters.
pub trait ModelMut: Model {
    /// Layer `layer`'s weights and biases, both mutable (empty past the end).
    fn layer_mut(&mut self, layer: usize) -> (&mut [f32], &mut [f32]);

    /// Segment `s` of the flat parameter run, mutable.
    fn segment_mut(&mut self, s: usize) -> &mut [f32] {
        let (weights, biases) = self.layer_mut(s / 2);
        if s % 2 == 0 {
            weights
        } else {
            biases
        }
    }
    /// Parameter `k` of the flat run, mutable.
    fn param_mut(&mut self, k: usize) -> Option<&mut f32> {
        let mut k = k;
        for s in 0..2 * self.depth() {
            let len = self.segment(s).len();
            if k < len {
                return self.segment_mut(s).get_mut(k);
            }
            k -= len;
        }
        None
    }
    /// Loads the flat parameter run from `src` (which must be [`Model::param_count`] long).
    fn load_params(&mut self, src: &[f32]) -> Result<(), Error> {
        check_param_count(self, src.len())?;
        let mut values = src.iter();
        for s in 0..2 * self.depth() {
            self.segment_mut(s).iter_mut().zip(values.by_ref()).for_each(|(p, &v)| *p = v);
        }
        Ok(())
    }
}

/// Two models have the same layers (shapes and activations).
#[cfg(test)]
fn same_shape(a: &(impl Model + ?Sized), b: &(impl Model + ?Sized)) -> bool {
    a.depth() == b.depth() && (0..a.depth()).all(|l| a.spec(l) == b.spec(l))
}

/// A fully connected layer with compile-time shape: `z = W·x + b`, `a = A(z)`.
///
/// ```
/// use nn_core::{activation::Sigmoid, Dense};
/// let layer = Dense::<2, 3, Sigmoid>::new([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [0.0; 3]);
/// assert_eq!(Dense::<2, 3, Sigmoid>::PARAMS, 9);
/// assert_eq!(layer.weights[2][1], 0.6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize, A: ActivationFn> {
    /// `OUT` rows of `IN` weights: row `j` feeds output neuron `j`.
    pub weights: [[f32; IN]; OUT],
    /// One bias per output neuron.
    pub biases: [f32; OUT],
    /// The activation marker.
    pub activation: A,
}

impl<const IN: usize, const OUT: usize, A: ActivationFn> Dense<IN, OUT, A> {
    /// Weights plus biases.
    pub const PARAMS: usize = IN * OUT + OUT;
    /// This layer's shape.
    pub const SPEC: LayerSpec = LayerSpec::new(IN, OUT, A::KIND);

    /// A layer with the given weights and biases.
    pub const fn new(weights: [[f32; IN]; OUT], biases: [f32; OUT]) -> Self {
        Dense { weights, biases, activation: A::MARKER }
    }

    /// A layer of zeros.
    pub const fn zeros() -> Self {
        Self::new([[0.0; IN]; OUT], [0.0; OUT])
    }
}

impl<const IN: usize, const OUT: usize, A: ActivationFn> Default for Dense<IN, OUT, A> {
    fn default() -> Self {
        Self::zeros()
    }
}

/// A network whose shape is fixed at compile time: a tuple of [`Dense`] layers whose
/// widths chain, such as `(Dense<I, H, A>, Dense<H, O, B>)`, up to four layers.
/// Its sizes are associated consts, so buffers can be plain arrays in a `static`:
///
/// ```
/// use nn_core::{activation::Sigmoid, Dense, Network};
/// type Xor = (Dense<2, 4, Sigmoid>, Dense<4, 1, Sigmoid>);
/// assert_eq!(Xor::PARAMS, 17);
/// static mut SCRATCH: [f32; Xor::SCRATCH] = [0.0; Xor::SCRATCH];
/// ```
///
/// A shape mismatch does not compile:
///
/// ```compile_fail
/// use nn_core::{activation::Sigmoid, Dense, Network};
/// type Broken = (Dense<2, 4, Sigmoid>, Dense<3, 1, Sigmoid>);
/// let _ = <Broken as Network>::PARAMS;
/// ```
pub trait Network: ModelMut + Clone + Default {
    /// Width of the input.
    const INPUTS: usize;
    /// Width of the output.
    const OUTPUTS: usize;
    /// Number of layers.
    const LAYERS: usize;
    /// Total number of parameters.
    const PARAMS: usize;
    /// Scratch floats a forward and backward pass need ([`Model::scratch_len`]).
    const SCRATCH: usize;
}

macro_rules! network_tuple {
    ($depth:literal; [$($N:ident),+]; [$($A:ident),+]; $last:ident;
     $($idx:tt => $I:ident, $O:ident, $LA:ident);+) => {
        impl<$(const $N: usize,)+ $($A: ActivationFn),+> Model for ($(Dense<$I, $O, $LA>,)+) {
            #[inline]
            fn depth(&self) -> usize {
                $depth
            }
            #[inline]
            fn spec(&self, layer: usize) -> LayerSpec {
                match layer {
                    $($idx => Dense::<$I, $O, $LA>::SPEC,)+
                    _ => LayerSpec::new(0, 0, Activation::Identity),
                }
            }
            #[inline]
            fn weights(&self, layer: usize) -> &[f32] {
                match layer {
                    $($idx => self.$idx.weights.as_flattened(),)+
                    _ => &[],
                }
            }
            #[inline]
            fn biases(&self, layer: usize) -> &[f32] {
                match layer {
                    $($idx => &self.$idx.biases,)+
                    _ => &[],
                }
            }
        }

        impl<$(const $N: usize,)+ $($A: ActivationFn),+> ModelMut for ($(Dense<$I, $O, $LA>,)+) {
            #[inline]
            fn layer_mut(&mut self, layer: usize) -> (&mut [f32], &mut [f32]) {
                match layer {
                    $($idx => (self.$idx.weights.as_flattened_mut(), &mut self.$idx.biases),)+
                    _ => (&mut [], &mut []),
                }
            }
        }

        impl<$(const $N: usize,)+ $($A: ActivationFn),+> Network for ($(Dense<$I, $O, $LA>,)+) {
            const INPUTS: usize = network_tuple!(@first $($N),+);
            const OUTPUTS: usize = $last;
            const LAYERS: usize = $depth;
            const PARAMS: usize = 0 $(+ Dense::<$I, $O, $LA>::PARAMS)+;
            // Activations and deltas of every layer, plus the output pre-activations.
            const SCRATCH: usize = 2 * (0 $(+ $O)+) + $last;
        }
    };
    (@first $first:ident $(, $rest:ident)*) => { $first };
}

network_tuple!(1; [N0, N1]; [A0]; N1; 0 => N0, N1, A0);
network_tuple!(2; [N0, N1, N2]; [A0, A1]; N2; 0 => N0, N1, A0; 1 => N1, N2, A1);
network_tuple!(3; [N0, N1, N2, N3]; [A0, A1, A2]; N3;
    0 => N0, N1, A0; 1 => N1, N2, A1; 2 => N2, N3, A2);
network_tuple!(4; [N0, N1, N2, N3, N4]; [A0, A1, A2, A3]; N4;
    0 => N0, N1, A0; 1 => N1, N2, A1; 2 => N2, N3, A2; 3 => N3, N4, A3);

/// A network whose shape is known only at run time: layer specs and one flat parameter
/// run, over any storage (`&mut [f32]`, an array, a `Vec` on the host).
///
/// ```
/// use nn_core::{Activation, LayerSpec, Mlp, Model};
/// let specs = [LayerSpec::new(2, 2, Activation::Sigmoid), LayerSpec::new(2, 1, Activation::Identity)];
/// let params = [0.0f32; 9];
/// let net = Mlp::new(specs, params).unwrap();
/// assert_eq!(net.param_count(), 9);
/// assert!(Mlp::new(specs, [0.0f32; 8]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp<S, P> {
    specs: S,
    params: P,
}

/// Checks that `specs` chain and returns their parameter count.
///
/// ```
/// use nn_core::{error::Part, Activation::Relu, Error, LayerSpec};
/// use nn_core::model::check_specs;
/// assert_eq!(check_specs(&[LayerSpec::new(2, 3, Relu), LayerSpec::new(3, 1, Relu)]), Ok(13));
/// assert_eq!(
///     check_specs(&[LayerSpec::new(2, 3, Relu), LayerSpec::new(2, 1, Relu)]),
///     Err(Error::Shape { layer: 1, part: Part::Inputs, expected: 3, found: 2 })
/// );
/// ```
pub fn check_specs(specs: &[LayerSpec]) -> Result<usize, Error> {
    check_layer_count(specs.len())?;
    let mut total = 0usize;
    let mut width = specs.first().map_or(0, |s| s.inputs);
    for (layer, spec) in specs.iter().enumerate() {
        check_layer(layer, *spec, width)?;
        width = spec.outputs;
        total = total.checked_add(spec.params()).ok_or(Error::LayerSize { layer })?;
    }
    Ok(total)
}

/// [`Error::LayerCount`] unless `depth` is in `1..=MAX_LAYERS`.
pub(crate) fn check_layer_count(depth: usize) -> Result<(), Error> {
    if (1..=MAX_LAYERS).contains(&depth) {
        Ok(())
    } else {
        Err(Error::LayerCount { max: MAX_LAYERS, found: depth })
    }
}

/// Checks that layer `layer` has units, takes `width` inputs (the outputs of the layer
/// below) and has a parameter count that fits in a `usize`.
#[inline]
pub(crate) fn check_layer(layer: usize, spec: LayerSpec, width: usize) -> Result<(), Error> {
    let params = spec.inputs.checked_mul(spec.outputs).and_then(|w| w.checked_add(spec.outputs));
    if spec.inputs == 0 || spec.outputs == 0 || params.is_none() {
        return Err(Error::LayerSize { layer });
    }
    if spec.inputs != width {
        return Err(Error::Shape { layer, part: Part::Inputs, expected: width, found: spec.inputs });
    }
    Ok(())
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]>> Mlp<S, P> {
    /// A network over `params`, checked against `specs`.
    pub fn new(specs: S, params: P) -> Result<Self, Error> {
        let expected = check_specs(specs.as_ref())?;
        let found = params.as_ref().len();
        if found != expected {
            return Err(Error::ParamCount { expected, found });
        }
        Ok(Mlp { specs, params })
    }

    /// The layer specs.
    pub fn specs(&self) -> &[LayerSpec] {
        self.specs.as_ref()
    }

    /// The flat parameter run.
    pub fn params(&self) -> &[f32] {
        self.params.as_ref()
    }

    /// The storage, given back.
    pub fn into_parts(self) -> (S, P) {
        (self.specs, self.params)
    }

    /// Start of layer `layer` in the flat run.
    fn offset(&self, layer: usize) -> usize {
        self.specs.as_ref().iter().take(layer).map(LayerSpec::params).sum()
    }

    fn range(&self, layer: usize, biases: bool) -> core::ops::Range<usize> {
        match self.specs.as_ref().get(layer) {
            None => 0..0,
            Some(spec) => {
                let start = self.offset(layer) + if biases { spec.inputs * spec.outputs } else { 0 };
                let len = if biases { spec.outputs } else { spec.inputs * spec.outputs };
                start..start + len
            }
        }
    }
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]> + AsMut<[f32]>> Mlp<S, P> {
    /// The flat parameter run, mutable.
    pub fn params_mut(&mut self) -> &mut [f32] {
        self.params.as_mut()
    }
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]> + AsMut<[f32]>> Mlp<S, P> {
    /// The network split before its last `trained` layers: the frozen layers below, to
    /// run forward only, and the trained ones, a network of their own over the same
    /// parameters (the tail of the flat run). [`Error::LayerCount`] (with `max` the most
    /// layers that can be trained apart, `depth − 1`) unless `1 ≤ trained < depth`.
    ///
    /// ```
    /// use nn_core::{Activation::{Identity, Sigmoid}, LayerSpec, Mlp, Model};
    /// let specs = [LayerSpec::new(2, 3, Sigmoid), LayerSpec::new(3, 1, Identity)];
    /// let mut net = Mlp::new(specs, [0.5f32; 13])?;
    /// let (frozen, trained) = net.split_last(1)?;
    /// assert_eq!((frozen.param_count(), trained.param_count(), trained.inputs()), (9, 4, 3));
    /// assert!(net.split_last(2).is_err() && net.split_last(0).is_err());
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn split_last(
        &mut self,
        trained: usize,
    ) -> Result<(Mlp<&[LayerSpec], &[f32]>, Mlp<&[LayerSpec], &mut [f32]>), Error> {
        let depth = self.specs.as_ref().len();
        if trained == 0 || trained >= depth {
            return Err(Error::LayerCount { max: depth.saturating_sub(1), found: trained });
        }
        let first = depth - trained;
        let offset = self.offset(first);
        let specs = self.specs.as_ref().split_at_checked(first);
        let found = self.params.as_ref().len();
        let params = self.params.as_mut().split_at_mut_checked(offset);
        let (Some((frozen_specs, trained_specs)), Some((frozen, rest))) = (specs, params) else {
            return Err(Error::ParamCount { expected: offset, found });
        };
        Ok((Mlp { specs: frozen_specs, params: &*frozen }, Mlp { specs: trained_specs, params: rest }))
    }
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]>> Model for Mlp<S, P> {
    fn depth(&self) -> usize {
        self.specs.as_ref().len()
    }
    fn spec(&self, layer: usize) -> LayerSpec {
        self.specs.as_ref().get(layer).copied().unwrap_or(LayerSpec::new(0, 0, Activation::Identity))
    }
    fn weights(&self, layer: usize) -> &[f32] {
        let r = self.range(layer, false);
        self.params.as_ref().get(r).unwrap_or(&[])
    }
    fn biases(&self, layer: usize) -> &[f32] {
        let r = self.range(layer, true);
        self.params.as_ref().get(r).unwrap_or(&[])
    }
    fn param_count(&self) -> usize {
        self.params.as_ref().len()
    }
    fn param(&self, k: usize) -> Option<f32> {
        self.params.as_ref().get(k).copied()
    }
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]> + AsMut<[f32]>> ModelMut for Mlp<S, P> {
    fn layer_mut(&mut self, layer: usize) -> (&mut [f32], &mut [f32]) {
        let w = self.range(layer, false);
        let b = self.range(layer, true);
        match self.params.as_mut().get_mut(w.start..b.end) {
            Some(run) => run.split_at_mut(w.len()),
            None => (&mut [], &mut []),
        }
    }
    fn param_mut(&mut self, k: usize) -> Option<&mut f32> {
        self.params.as_mut().get_mut(k)
    }
}

/// A model with an input-scaling stage in front of its first layer:
/// `x' = (x − mean) / scale`, then the network (see [`crate::scaling`]).
///
/// The stage is part of the model, so [`crate::forward`], [`crate::gradient`],
/// [`crate::sgd_step`], the [`crate::Trainer`] and the checks all see scaled inputs; its
/// values are not parameters (nothing trains them). It wraps any model: a tuple network
/// with array storage (`Scaled<Net, [f32; N]>`, itself a [`Network`] whose
/// [`Network::SCRATCH`] counts the scaled input) or an [`Mlp`] with a `Vec`. A model
/// without scaling is not wrapped and runs exactly the code it ran before.
///
/// ```
/// use nn_core::{activation::Identity, forward, Dense, InputScaling, Network, Scaled};
/// type Line = (Dense<1, 1, Identity>,);
/// type Model = Scaled<Line, [f32; 1]>;
/// let net: Line = (Dense::new([[2.0]], [-3.0]),);
/// let model = Model::new(net, InputScaling::new([10.0], [4.0])?)?;
/// let mut scratch = [0.0; Model::SCRATCH];
/// // (18 − 10) / 4 = 2, then 2·2 − 3 = 1.
/// assert_eq!(forward(&model, &[18.0], &mut scratch)?, &[1.0]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaled<M, P> {
    model: M,
    scaling: InputScaling<P>,
}

impl<M: Model, P: AsRef<[f32]>> Scaled<M, P> {
    /// `model` with `scaling` in front: [`Error::Shape`] (part [`Part::Scaling`]) unless
    /// the stage scales exactly the model's inputs.
    pub fn new(model: M, scaling: InputScaling<P>) -> Result<Self, Error> {
        if scaling.len() != model.inputs() {
            return Err(Error::Shape { layer: 0, part: Part::Scaling, expected: model.inputs(), found: scaling.len() });
        }
        Ok(Scaled { model, scaling })
    }

    /// The network behind the stage.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The network behind the stage, mutable (its shape cannot change).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// The stage.
    pub fn scaling(&self) -> &InputScaling<P> {
        &self.scaling
    }

    /// The network and the stage, given back.
    pub fn into_parts(self) -> (M, InputScaling<P>) {
        (self.model, self.scaling)
    }
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]>, Q> Scaled<Mlp<S, P>, Q> {
    /// The flat parameter run of the network behind the stage ([`Mlp::params`]).
    pub fn params(&self) -> &[f32] {
        self.model.params()
    }

    /// The layer specs of the network behind the stage ([`Mlp::specs`]).
    pub fn specs(&self) -> &[LayerSpec] {
        self.model.specs()
    }
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]> + AsMut<[f32]>, Q> Scaled<Mlp<S, P>, Q> {
    /// The flat parameter run of the network behind the stage, mutable.
    pub fn params_mut(&mut self) -> &mut [f32] {
        self.model.params_mut()
    }
}

impl<S: AsRef<[LayerSpec]>, P: AsRef<[f32]> + AsMut<[f32]>, Q: AsRef<[f32]>> Scaled<Mlp<S, P>, Q> {
    /// [`Mlp::split_last`] behind the stage: the frozen layers keep the input-scaling
    /// stage in front of them; the trained layers take the frozen layers' outputs.
    #[allow(clippy::type_complexity)]
    pub fn split_last(
        &mut self,
        trained: usize,
    ) -> Result<(Scaled<Mlp<&[LayerSpec], &[f32]>, &[f32]>, Mlp<&[LayerSpec], &mut [f32]>), Error> {
        let (frozen, trained) = self.model.split_last(trained)?;
        Ok((Scaled { model: frozen, scaling: self.scaling.view() }, trained))
    }
}

impl<M: Model, P: AsRef<[f32]>> Model for Scaled<M, P> {
    #[inline]
    fn depth(&self) -> usize {
        self.model.depth()
    }
    #[inline]
    fn spec(&self, layer: usize) -> LayerSpec {
        self.model.spec(layer)
    }
    #[inline]
    fn weights(&self, layer: usize) -> &[f32] {
        self.model.weights(layer)
    }
    #[inline]
    fn biases(&self, layer: usize) -> &[f32] {
        self.model.biases(layer)
    }
    #[inline]
    fn param_count(&self) -> usize {
        self.model.param_count()
    }
    #[inline]
    fn param(&self, k: usize) -> Option<f32> {
        self.model.param(k)
    }
    #[inline]
    fn input_scaling(&self) -> Option<InputScaling<&[f32]>> {
        Some(self.scaling.view())
    }
}

impl<M: ModelMut, P: AsRef<[f32]>> ModelMut for Scaled<M, P> {
    #[inline]
    fn layer_mut(&mut self, layer: usize) -> (&mut [f32], &mut [f32]) {
        self.model.layer_mut(layer)
    }
    #[inline]
    fn param_mut(&mut self, k: usize) -> Option<&mut f32> {
        self.model.param_mut(k)
    }
}

impl<M: Network, const N: usize> Default for Scaled<M, [f32; N]> {
    /// The default network behind the identity stage.
    fn default() -> Self {
        Scaled { model: M::default(), scaling: InputScaling::IDENTITY }
    }
}

impl<M: Network, const N: usize> Network for Scaled<M, [f32; N]> {
    // A stage of the wrong width does not compile where these consts are used.
    const INPUTS: usize = {
        assert!(N == M::INPUTS, "the scaling stage must have one value per input");
        M::INPUTS
    };
    const OUTPUTS: usize = M::OUTPUTS;
    const LAYERS: usize = M::LAYERS;
    const PARAMS: usize = M::PARAMS;
    const SCRATCH: usize = M::SCRATCH + Self::INPUTS;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid};

    type Net = (Dense<2, 3, Sigmoid>, Dense<3, 1, Identity>);

    #[test]
    fn consts_describe_the_shape() {
        assert_eq!(Net::INPUTS, 2);
        assert_eq!(Net::OUTPUTS, 1);
        assert_eq!(Net::LAYERS, 2);
        assert_eq!(Net::PARAMS, 9 + 4);
        assert_eq!(Net::SCRATCH, 2 * 4 + 1);
        assert_eq!(Net::default().param_count(), Net::PARAMS);
    }

    #[test]
    fn flat_order_is_weights_then_biases_per_layer() {
        let mut net = Net::default();
        let flat: [f32; 13] = core::array::from_fn(|i| i as f32);
        net.load_params(&flat).unwrap();
        assert_eq!(net.0.weights, [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]);
        assert_eq!(net.0.biases, [6.0, 7.0, 8.0]);
        assert_eq!(net.1.weights, [[9.0, 10.0, 11.0]]);
        assert_eq!(net.1.biases, [12.0]);
        let specs = [Dense::<2, 3, Sigmoid>::SPEC, Dense::<3, 1, Identity>::SPEC];
        let mlp = Mlp::new(specs, flat).unwrap();
        for l in 0..2 {
            assert_eq!(mlp.weights(l), net.weights(l));
            assert_eq!(mlp.biases(l), net.biases(l));
        }
        assert!(same_shape(&mlp, &net));
        let mut back = [0.0f32; 13];
        net.copy_params_to(&mut back).unwrap();
        assert_eq!(back, flat);
        assert_eq!(net.param(12), Some(12.0));
        assert_eq!(net.param(13), None);
    }

    #[test]
    fn runtime_shapes_are_checked() {
        let s = |i, o| LayerSpec::new(i, o, Activation::Relu);
        assert_eq!(check_specs(&[s(2, 3), s(3, 1)]), Ok(13));
        assert_eq!(
            check_specs(&[s(2, 3), s(2, 1)]),
            Err(Error::Shape { layer: 1, part: Part::Inputs, expected: 3, found: 2 })
        );
        assert_eq!(check_specs(&[]), Err(Error::LayerCount { max: MAX_LAYERS, found: 0 }));
        assert_eq!(check_specs(&[s(0, 3)]), Err(Error::LayerSize { layer: 0 }));
        assert_eq!(check_specs(&[s(2, 2), s(2, usize::MAX)]), Err(Error::LayerSize { layer: 1 }));
        assert_eq!(check_specs(&[s(1, 1); MAX_LAYERS + 1]), Err(Error::LayerCount { max: MAX_LAYERS, found: 17 }));
        let flat = [0.0f32; 12];
        assert_eq!(Mlp::new([s(2, 3), s(3, 1)], flat).err(), Some(Error::ParamCount { expected: 13, found: 12 }));
    }
}
