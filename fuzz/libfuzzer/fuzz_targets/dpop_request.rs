//! The `dpop_request` target (warden-fuzz) under libFuzzer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    warden_fuzz::targets::dpop_request(data);
});
