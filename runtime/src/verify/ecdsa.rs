//! The low-S form of ECDSA signatures (ES256, ES384), for validators that
//! set `require_low_s`.
//!
//! An ECDSA signature (r, s) verifies exactly when (r, n − s) does, n being
//! the order of the curve's group: one token has two valid encodings, so its
//! bytes (or a digest of them) are not an identity for it. Signers that
//! normalize always emit the smaller s (the "low-S" form, s ≤ n/2); most
//! JOSE signers (aws-lc, ring, OpenSSL, RustCrypto's p256) do not, so about
//! half of their signatures are high-S and refusing those is opt-in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;

/// The order n of P-256's base point (SEC 2 §2.4.2), big-endian.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// The order n of P-384's base point (SEC 2 §2.5.1), big-endian.
const P384_N: [u8; 48] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x63, 0x4D, 0x81, 0xF4, 0x37, 0x2D, 0xDF,
    0x58, 0x1A, 0x0D, 0xB2, 0x48, 0xB0, 0xA7, 0x7A, 0xEC, 0xEC, 0x19, 0x6A, 0xCC, 0xC5, 0x29, 0x73,
];

/// Whether `signature` (base64url of r‖s, JWS form, RFC 7518 §3.4) for `alg`
/// is an ECDSA signature whose s lies above n/2. Anything else (another
/// algorithm, a signature of the wrong length or that does not decode, an
/// s ≥ n) is not high-S: the signature check refuses what is invalid.
pub(crate) fn is_high_s(alg: Algorithm, signature: &str) -> bool {
    let n: &[u8] = match alg {
        Algorithm::ES256 => &P256_N,
        Algorithm::ES384 => &P384_N,
        _ => return false,
    };
    let mut raw = [0u8; 96];
    let Ok(len) = URL_SAFE_NO_PAD.decode_slice(signature, &mut raw) else {
        return false;
    };
    if len != 2 * n.len() {
        return false;
    }
    let s = &raw[n.len()..len];
    if s >= n {
        return false; // not a signature at all
    }
    // s > n/2 ⇔ s > n − s. Big-endian arrays of one length compare as numbers.
    let mut mirror = [0u8; 48];
    let mirror = &mut mirror[..n.len()];
    let mut borrow = 0u16;
    for i in (0..n.len()).rev() {
        let (digit, under) = u16::from(n[i]).overflowing_sub(u16::from(s[i]) + borrow);
        mirror[i] = digit.to_le_bytes()[0];
        borrow = u16::from(under);
    }
    s > &*mirror
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(r: &[u8], s: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode([r, s].concat())
    }

    #[test]
    fn s_is_compared_with_half_the_order() {
        let r = [1u8; 32];
        let mut half = P256_N; // n is odd: n >> 1 is the largest low s
        let mut carry = 0;
        for byte in &mut half {
            let next = *byte & 1;
            *byte = (*byte >> 1) | (carry << 7);
            carry = next;
        }
        assert!(!is_high_s(Algorithm::ES256, &signature(&r, &half)));
        let mut above = half;
        above[31] += 1;
        assert!(is_high_s(Algorithm::ES256, &signature(&r, &above)));
        let mut top = P256_N;
        top[31] -= 1;
        assert!(is_high_s(Algorithm::ES256, &signature(&r, &top)));
        assert!(!is_high_s(Algorithm::ES256, &signature(&r, &P256_N)));
        assert!(!is_high_s(Algorithm::ES256, &signature(&r, &[0; 32])));
    }

    #[test]
    fn only_ecdsa_signatures_of_the_right_length_are_read() {
        let high = signature(&[1; 48], &[0xF0; 48]);
        assert!(is_high_s(Algorithm::ES384, &high));
        assert!(!is_high_s(Algorithm::ES256, &high), "wrong length");
        assert!(!is_high_s(
            Algorithm::EdDSA,
            &signature(&[1; 32], &[0xF0; 32])
        ));
        assert!(!is_high_s(Algorithm::ES256, "not base64url!"));
    }
}
