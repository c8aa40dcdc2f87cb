//! Reading the JSON the API answers: the fields of a list's items, failing
//! the test when the answer is not a list or a field is not text.

use serde_json::Value;

/// Field `key` of every item of the array `list`.
pub fn texts<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    let items = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    items.iter().map(|item| text(item, key)).collect()
}

/// Fields `a` and `b` of every item of the array `list`.
pub fn text_pairs(list: &Value, a: &str, b: &str) -> Vec<(String, String)> {
    let items = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    let pair = |item: &Value| (text(item, a).to_owned(), text(item, b).to_owned());
    items.iter().map(pair).collect()
}

/// Field `key` of `item`, which must be text.
fn text<'a>(item: &'a Value, key: &str) -> &'a str {
    item[key]
        .as_str()
        .unwrap_or_else(|| panic!("no text {key} in {item}"))
}
