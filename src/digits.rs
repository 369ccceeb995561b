//! Fixed-width ASCII decimal digits for values written on every signed
//! request (the `X-EXTERNAL-ID` counter, `X-TIMESTAMP` fields), where
//! `core::fmt` and digit-by-digit division loops would cost more than the
//! bytes they produce. Two digits come from one table lookup.

/// `DIGIT_PAIRS[n]` is `n` (0..100) as two ASCII digits.
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut table = [[0; 2]; 100];
    let mut n = 0;
    while n < 100 {
        // `n` < 100, so both quotients fit in u8.
        table[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    table
};

/// The last two decimal digits of `value`, zero-padded.
pub(crate) fn two_digits(value: u32) -> [u8; 2] {
    // `value % 100` < 100: always an index into the table.
    DIGIT_PAIRS[(value % 100) as usize]
}

/// Writes the last `out.len()` decimal digits of `value` into `out`,
/// zero-padded; an odd length starts with a single digit.
pub(crate) fn write_digits(out: &mut [u8], mut value: u64) {
    let mut pairs = out.rchunks_exact_mut(2);
    for pair in &mut pairs {
        // `value % 100` < 100: the cast cannot truncate.
        pair.copy_from_slice(&two_digits((value % 100) as u32));
        value /= 100;
    }
    if let [single] = pairs.into_remainder() {
        // `value % 10` < 10, so the cast cannot truncate.
        *single = b'0' + (value % 10) as u8;
    }
}

#[cfg(test)]
mod tests;
