//! The button custom_id parser on arbitrary text: strict, and never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|id: &str| {
    if cairn::buttons::is_cairn_button(id) {
        assert!(id.starts_with("cairn:"));
    }
});
