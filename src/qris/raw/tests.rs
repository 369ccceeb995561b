//! Unit tests of the parent module, kept in their own file.

use super::*;
use proptest::prelude::*;

#[test]
fn keeps_order_numbers_and_escapes() {
    let json = r#"{"z":1,"a":{"y":[1, 2.50, -0.0e1],"x":"\u00e9\/"},"m":null,"z":true}"#;
    let object = RawObject::from_json(json).unwrap();
    assert_eq!(object.len(), 4);
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"z":1,"a":{"y":[1,2.50,-0.0e1],"x":"\u00e9\/"},"m":null,"z":true}"#
    );
    assert_eq!(object.get("z").map(RawValue::get), Some("true"));
    assert_eq!(object.get("m").map(RawValue::get), Some("null"));
    assert!(object.get("missing").is_none());
}

#[test]
fn pretty_input_is_minified() {
    let object = RawObject::from_json("{\n  \"a\" : [ 1 ,\t2 ],\r\n \"b\": \"x  y\" }").unwrap();
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"a":[1,2],"b":"x  y"}"#
    );
}

#[test]
fn only_objects_are_accepted() {
    for bad in ["[]", "1", "\"a\"", "null", "{", r#"{"a":}"#, ""] {
        assert!(RawObject::from_json(bad).is_err(), "{bad}");
    }
    assert!(RawObject::from_json("{}").unwrap().is_empty());
}

#[test]
fn typed_access_and_map() {
    let object = RawObject::from_json(r#"{"n":5,"s":"t","b":{"k":1}}"#).unwrap();
    assert_eq!(object.get_as::<u32>("n").unwrap(), Some(5));
    assert_eq!(object.get_as::<u32>("missing").unwrap(), None);
    assert!(object.get_as::<u32>("s").is_err());
    let map = object.to_map().unwrap();
    assert_eq!(map["b"]["k"], 1);
    let keys: Vec<&str> = object.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["n", "s", "b"]);
}

#[test]
fn insert_replaces_in_place_and_remove_drops_all() {
    let mut object = RawObject::from_json(r#"{"a":1,"b":2,"a":3,"c":4}"#).unwrap();
    object.insert("a", &9).unwrap();
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"a":9,"b":2,"c":4}"#
    );
    object.insert("d", "new").unwrap();
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"a":9,"b":2,"c":4,"d":"new"}"#
    );
    let mut dup = RawObject::from_json(r#"{"a":1,"b":2,"a":3}"#).unwrap();
    assert_eq!(
        dup.remove("a").map(|v| v.get().to_owned()),
        Some("3".to_owned())
    );
    assert_eq!(serde_json::to_string(&dup).unwrap(), r#"{"b":2}"#);
    assert!(dup.remove("a").is_none());
}

#[test]
fn equality_compares_text_in_order() {
    let a = RawObject::from_json(r#"{"a":1,"b":2}"#).unwrap();
    let b = RawObject::from_json(r#"{ "a": 1, "b": 2 }"#).unwrap();
    let c = RawObject::from_json(r#"{"b":2,"a":1}"#).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(format!("{a:?}"), r#"{"a": "1", "b": "2"}"#);
}

#[test]
fn works_through_serde_json_value_too() {
    let value = serde_json::json!({"k": [1, 2]});
    let object: RawObject = serde_json::from_value(value).unwrap();
    assert_eq!(serde_json::to_string(&object).unwrap(), r#"{"k":[1,2]}"#);
}

#[test]
fn escaped_names_are_written_back_as_received() {
    // Regression: `\/` in a name came back as `/`, changing the bytes.
    let json = r#"{"RT.3\/RW.4":1,"\u0041b":{"c\/d":"e\/f"},"plain":2,"q\"\n":3}"#;
    let object = RawObject::from_json(json).unwrap();
    assert_eq!(serde_json::to_string(&object).unwrap(), json);
    assert_eq!(object.get("RT.3/RW.4").map(RawValue::get), Some("1"));
    assert_eq!(
        object.get("Ab").map(RawValue::get),
        Some(r#"{"c\/d":"e\/f"}"#)
    );
    let names: Vec<&str> = object.iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["RT.3/RW.4", "Ab", "plain", "q\"\n"]);
    assert_eq!(object.to_map().unwrap()["RT.3/RW.4"], 1);
    assert_eq!(object, RawObject::from_json(json).unwrap());
    // The same name spelled without escapes is another spelling: not equal.
    assert_ne!(
        object,
        RawObject::from_json(&json.replace(r"\/", "/")).unwrap()
    );

    let pretty = "{ \"RT.3\\/RW.4\" :\n 1 }";
    let object = RawObject::from_json(pretty).unwrap();
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"RT.3\/RW.4":1}"#
    );
}

#[test]
fn escaped_names_survive_edits_of_other_members() {
    let mut object = RawObject::from_json(r#"{"a\/b":1,"c":2}"#).unwrap();
    object.insert("d", &3).unwrap();
    object.remove("c");
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"a\/b":1,"d":3}"#
    );
    // Replacing the value keeps the name as received.
    object.insert("a/b", &9).unwrap();
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"a\/b":9,"d":3}"#
    );
    object.remove("a/b");
    assert_eq!(serde_json::to_string(&object).unwrap(), r#"{"d":3}"#);
}

#[test]
fn errors_carry_one_position() {
    let error = RawObject::from_json("[1]").unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid type: sequence, expected a JSON object at line 1 column 0"
    );
    let nested = RawObject::from_json(r#"{"a":[1,}"#).unwrap_err();
    assert_eq!(
        nested.to_string().matches(" at line ").count(),
        1,
        "{nested}"
    );
}

/// A member name's JSON text, escapes and all.
fn name_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(r"\/"),
        Just(r"\u0041"),
        Just(r"\n"),
        Just(r#"\""#),
        Just(r"\\"),
        Just(r"\ud83d\ude00"),
        Just("a"),
        Just("."),
        Just("é"),
        Just("/"),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

fn value_text() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("1"),
        Just("2.50"),
        Just(r#""x\/y""#),
        Just("[1, 2.50]"),
        Just(r#"{"k\/": null}"#),
    ]
}

proptest! {
    #[test]
    fn objects_round_trip_to_their_minified_bytes(
        members in prop::collection::vec((name_text(), value_text(), prop_oneof![Just(""), Just(" "), Just("\n  ")]), 0..5),
    ) {
        let body: Vec<String> = members
            .iter()
            .map(|(name, value, space)| format!("{space}\"{name}\"{space}:{space}{value}"))
            .collect();
        let text = format!("{{{}}}", body.join(","));
        let object = RawObject::from_json(&text).unwrap();
        let minified = crate::minify::minify(text.as_bytes()).unwrap();
        let once = serde_json::to_string(&object).unwrap();
        prop_assert_eq!(once.as_bytes(), &*minified);
        for (name, _, _) in &members {
            let unescaped: String = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            prop_assert!(object.get(&unescaped).is_some(), "{unescaped:?} not found in {text}");
        }
        let again = RawObject::from_json(&once).unwrap();
        prop_assert_eq!(serde_json::to_string(&again).unwrap(), once);
    }
}
