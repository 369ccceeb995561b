use super::*;

#[test]
fn short_messages_are_kept_whole() {
    let message = "Unauthorized. [Signature] the body hash is over the raw, un-minified bytes";
    assert_eq!(clip(message.to_owned(), 150), message);
    let exactly = "x".repeat(150);
    assert_eq!(clip(exactly.clone(), 150), exactly);
}

#[test]
fn long_messages_are_cut_to_the_limit_with_an_ellipsis() {
    let clipped = clip("y".repeat(151), 150);
    assert_eq!(clipped.chars().count(), 150);
    assert!(clipped.ends_with("yy..."));
}

#[test]
fn clipping_counts_characters_and_never_splits_one() {
    // 200 two-byte characters: a byte-based cut would split one and panic.
    let clipped = clip("é".repeat(200), 150);
    assert_eq!(clipped.chars().count(), 150);
    assert!(clipped.starts_with("éé"));
    assert!(clipped.ends_with("é..."));
}

#[test]
fn a_limit_below_the_ellipsis_still_does_not_panic() {
    assert_eq!(clip("abcdef".to_owned(), 2), "...");
}
