//! Unit tests of the parent module, kept in their own file.

use super::*;

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
