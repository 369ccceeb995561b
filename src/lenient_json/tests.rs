//! Unit tests of the parent module, kept in their own file.

// The test models are `pub` because the macro makes them so.
#![allow(unreachable_pub, dead_code)]

use super::*;

lenient_object! {
    /// A nested test object.
    pub struct Inner {
        /// `n`.
        required "n" n: JsonNumber,
        /// `label`.
        optional "label" label: Text,
    }
}

lenient_object! {
    /// A test document.
    pub struct Outer {
        /// `id`.
        required "id" id: Text,
        /// `code`.
        optional "code" code: NumberOrString,
        /// `items`.
        optional "items" items: Vec<Inner>,
        /// `flag`.
        optional "flag" flag: bool,
    }
}

fn round_trip(json: &str) -> String {
    let outer = Outer::from_json(json.as_bytes()).unwrap();
    serde_json::to_string(&outer).unwrap()
}

#[test]
fn order_nulls_escapes_and_unknown_members_survive() {
    let json = r#"{"z":[1, 2],"items":[{"label":null,"n":1.50,"x":"\u00e9"}],"code":null,"id":"a\/b","flag":true}"#;
    assert_eq!(
        round_trip(json),
        r#"{"z":[1,2],"items":[{"label":null,"n":1.50,"x":"\u00e9"}],"code":null,"id":"a\/b","flag":true}"#
    );
    let outer = Outer::from_json(json.as_bytes()).unwrap();
    assert_eq!(outer.id, "a/b");
    assert_eq!(outer.code, None);
    let items = outer.items.unwrap();
    assert_eq!(items[0].label, None);
    assert_eq!(items[0].n.as_str(), "1.50");
    assert_eq!(items[0].n.as_f64(), Some(1.5));
}

#[test]
fn absent_members_stay_absent_and_new_ones_go_last() {
    let mut outer = Outer::from_json(br#"{"flag":false,"id":"x","extra":1}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&outer).unwrap(),
        r#"{"flag":false,"id":"x","extra":1}"#
    );
    outer.code = Some(NumberOrString::from_json("7").unwrap());
    outer.flag = None;
    assert_eq!(
        serde_json::to_string(&outer).unwrap(),
        r#"{"flag":null,"id":"x","extra":1,"code":7}"#
    );
}

#[test]
fn errors_name_the_member_by_path() {
    let err = Outer::from_json(br#"{"code":1}"#).unwrap_err();
    assert_eq!(err, DecodeError::Missing { field: "id".into() });

    let err = Outer::from_json(br#"{"id":"x","items":[{"n":1},{"n":"1"}]}"#).unwrap_err();
    assert!(matches!(err, DecodeError::Invalid { .. }), "{err:?}");
    assert_eq!(err.field(), "items[1].n");
    assert!(
        err.to_string()
            .contains("expected a number, found a string"),
        "{err}"
    );

    let err = Outer::from_json(br#"{"id":"x","items":[{}]}"#).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Missing {
            field: "items[0].n".into()
        }
    );

    let err = Outer::from_json(br#"{"id":"x","items":{"n":1}}"#).unwrap_err();
    assert_eq!(err.field(), "items");

    let err = Outer::from_json(br#"{"id":"x","id":"y"}"#).unwrap_err();
    assert_eq!(err, DecodeError::Duplicate { field: "id".into() });

    let err = Outer::from_json(br#"{"id":null}"#).unwrap_err();
    assert_eq!(err.field(), "id");

    for bad in [&b"[]"[..], b"", b"{", b"null"] {
        let err = Outer::from_json(bad).unwrap_err();
        assert!(matches!(err, DecodeError::NotAnObject { .. }), "{err:?}");
        assert_eq!(err.field(), "");
    }
}

#[test]
fn number_or_string_keeps_its_form() {
    for (json, text, number, int) in [
        (r#""9""#, "9", false, Some(9)),
        ("0", "0", true, Some(0)),
        ("4001", "4001", true, Some(4001)),
        (r#""ERR""#, "ERR", false, None),
        ("1.5", "1.5", true, None),
    ] {
        let value = NumberOrString::from_json(json).unwrap();
        assert_eq!(value.as_str(), text);
        assert_eq!(value.is_number(), number);
        assert_eq!(value.as_i64(), int);
        assert_eq!(serde_json::to_string(&value).unwrap(), json);
    }
    for bad in ["null", "true", "[]", "{}"] {
        assert!(NumberOrString::from_json(bad).is_err(), "{bad}");
    }
}

#[test]
fn text_compares_by_value() {
    let escaped = Text::from_json(r#""\u0041""#).unwrap();
    assert_eq!(escaped, Text::new("A"));
    assert_eq!(serde_json::to_string(&escaped).unwrap(), r#""\u0041""#);
    assert_eq!(serde_json::to_string(&Text::new("A/")).unwrap(), r#""A/""#);
    assert!(Text::from_json("1").is_err());
    assert!(JsonNumber::from_json(r#""1""#).is_err());
}

#[test]
fn unmodelled_names_keep_their_escapes_in_place() {
    let json = r#"{"z\/1":[1],"items":[{"n":1,"x\/y":2}],"id":"a","q\u0041":null,"flag":true}"#;
    assert_eq!(round_trip(json), json);
    let mut outer = Outer::from_json(json.as_bytes()).unwrap();
    assert_eq!(outer.extra.get("z/1").map(|v| v.get()), Some("[1]"));
    outer.code = Some(NumberOrString::from_json("7").unwrap());
    assert_eq!(
        serde_json::to_string(&outer).unwrap(),
        r#"{"z\/1":[1],"items":[{"n":1,"x\/y":2}],"id":"a","q\u0041":null,"flag":true,"code":7}"#
    );
}
