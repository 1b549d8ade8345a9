//! Arbitrary bytes as a model file, through the CLI's loader (`ModelFile::from_bytes`:
//! JSON, or nn-core's codec after its magic). It never panics; a refusal is one line
//! that names the file; whatever it accepts is a valid network with finite parameters
//! that the CLI writes back as JSON and reads again to the same bits.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nn_core::Model;
use nn_host_cli::model_file::{to_json, ModelFile};

fuzz_target!(|bytes: &[u8]| {
    let path = Path::new("fuzz.json");
    let model = match ModelFile::from_bytes(path, bytes) {
        Ok(model) => model,
        Err(e) => return common::assert_refusal(&e, "fuzz.json"),
    };
    assert!(model.params.iter().all(|p| p.is_finite()), "a non-finite parameter was accepted");
    let net = model.network().expect("an accepted model is a valid network");
    assert_eq!(net.param_count(), model.params.len());
    let again = ModelFile::from_bytes(path, to_json(&net).as_bytes()).expect("the JSON the CLI writes reads back");
    assert_eq!(again.specs, model.specs);
    let bits = |p: &[f32]| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&again.params), bits(&model.params), "JSON did not round-trip the parameters");
});
