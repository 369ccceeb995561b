use super::*;

#[test]
fn table_holds_every_pair() {
    for n in 0..100 {
        assert_eq!(two_digits(n), *format!("{n:02}").as_bytes());
    }
    assert_eq!(two_digits(1234), *b"34");
    assert_eq!(two_digits(u32::MAX), *b"95");
}

#[test]
fn widths_and_padding() {
    let cases: [(usize, u32, &str); 9] = [
        (0, 7, ""),
        (1, 7, "7"),
        (1, 42, "2"),
        (2, 5, "05"),
        (3, 5, "005"),
        (3, 999, "999"),
        (4, 2024, "2024"),
        (8, 99_999_999, "99999999"),
        (10, u32::MAX, "4294967295"),
    ];
    for (width, value, expected) in cases {
        let mut out = vec![b'x'; width];
        write_digits(&mut out, u64::from(value));
        assert_eq!(out, expected.as_bytes(), "{width} {value}");
    }
    // Longer than the value: zeros in front; shorter: the low-order digits.
    let mut out = [b'x'; 12];
    write_digits(&mut out, u64::from(u32::MAX));
    assert_eq!(&out, b"004294967295");
    let mut out = [b'x'; 5];
    write_digits(&mut out, 1_234_567);
    assert_eq!(&out, b"34567");
}

proptest::proptest! {
    #[test]
    fn matches_std_formatting(value in 0..100_000_000u32, width in 0..12usize) {
        let mut out = vec![0; width];
        write_digits(&mut out, u64::from(value));
        let full = format!("{value:012}");
        proptest::prop_assert_eq!(&out[..], &full.as_bytes()[12 - width..]);
    }
}
