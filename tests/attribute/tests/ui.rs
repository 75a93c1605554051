//! Compile-time checks of `#[jwt_auth]`: every mistake a user can make in the
//! attribute is one clear error on the offending token (`ui/fail`, with
//! reviewed `.stderr` files), and every form of the attribute compiles,
//! warning-free, in a crate that shadows the prelude (`ui/pass`).
//!
//! Bless new expectations with `TRYBUILD=overwrite`, then read the diff.

#[test]
fn jwt_auth_attribute() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
