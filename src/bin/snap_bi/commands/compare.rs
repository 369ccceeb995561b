//! `explain --their-string-to-sign`: a provider's string-to-sign (from its
//! logs or a support ticket) against ours, field by field.
//!
//! Fields are matched from the front while they agree, then from the back,
//! so the part of their string left in between is exactly what they put
//! where our first differing field is — even when a URL or timestamp holds
//! the separator itself, or a field is missing altogether.

/// One field of our string-to-sign.
#[derive(Debug)]
pub(crate) struct Field {
    /// Shown name: `method`, `EndpointUrl`, `access token`, …
    pub(crate) name: &'static str,
    /// Our value.
    pub(crate) value: String,
    /// Shown only by length (the access token).
    pub(crate) secret: bool,
    /// Known other spellings of the field and what each means, to name the
    /// sender's mistake ("the raw, un-minified body").
    pub(crate) variants: Vec<(String, String)>,
}

impl Field {
    /// A field shown in full, with no known variants.
    pub(crate) fn new(name: &'static str, value: impl Into<String>) -> Self {
        Self {
            name,
            value: value.into(),
            secret: false,
            variants: Vec::new(),
        }
    }

    /// Marks the field as shown by length only.
    pub(crate) fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Adds a known variant.
    pub(crate) fn variant(mut self, value: impl Into<String>, meaning: impl Into<String>) -> Self {
        let value = value.into();
        if value != self.value {
            self.variants.push((value, meaning.into()));
        }
        self
    }

    fn show(&self, value: &str) -> String {
        if self.secret {
            format!("<redacted: {} chars>", value.chars().count())
        } else {
            format!("{value:?}")
        }
    }
}

/// What the comparison found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Byte for byte the same.
    Same,
    /// `field` is the first that differs.
    Differs {
        /// The field's name.
        field: &'static str,
        /// One line: what differs, ours vs theirs, and what theirs means
        /// when it is a known variant.
        detail: String,
    },
}

/// Compares `theirs` with our `fields` joined by `separator`.
pub(crate) fn compare(fields: &[Field], separator: char, theirs: &str) -> Outcome {
    let theirs = theirs.trim_end_matches(['\r', '\n']);
    let sep_len = separator.len_utf8();
    let last = fields.len().saturating_sub(1);

    // From the front: each field plus its separator (the last one: to the end).
    let mut start = 0;
    let mut first = 0;
    while let Some(field) = fields.get(first) {
        let rest = &theirs[start..];
        let matches = if first == last {
            rest == field.value
        } else {
            rest.strip_prefix(field.value.as_str())
                .is_some_and(|after| after.starts_with(separator))
        };
        if !matches {
            break;
        }
        start += field.value.len() + if first == last { 0 } else { sep_len };
        first += 1;
    }
    let Some(differing) = fields.get(first) else {
        return Outcome::Same;
    };

    // From the back: fields after `first`, each with the separator before it.
    // The separator may be the one the front match already ended with, which
    // is how a missing field shows up (an empty part in between).
    let mut end = theirs.len();
    let mut next = fields.len();
    while next > first + 1 {
        let field = &fields[next - 1];
        let Some(before) = theirs[..end].strip_suffix(field.value.as_str()) else {
            break;
        };
        let Some(before) = before.strip_suffix(separator) else {
            break;
        };
        if before.len() + sep_len < start {
            break;
        }
        end = before.len();
        next -= 1;
    }
    let between = theirs.get(start..end.max(start)).unwrap_or_default();

    let spans_more = next > first + 1;
    // Several fields differ: their first field is up to the first separator.
    let their_value = if spans_more {
        between.split(separator).next().unwrap_or_default()
    } else {
        between
    };
    let mut detail = if between.is_empty() && !differing.value.is_empty() && !spans_more {
        format!(
            "{} is missing from theirs (ours {})",
            differing.name,
            differing.show(&differing.value)
        )
    } else {
        format!(
            "{} differs: ours {}, theirs {}",
            differing.name,
            differing.show(&differing.value),
            differing.show(their_value)
        )
    };
    if let Some((_, meaning)) = differing.variants.iter().find(|(v, _)| v == their_value) {
        detail.push_str(&format!(" (theirs is {meaning})"));
    }
    if spans_more {
        let names: Vec<&str> = fields[first + 1..next].iter().map(|f| f.name).collect();
        detail.push_str(&format!("; {} may differ too", names.join(", ")));
    }
    Outcome::Differs {
        field: differing.name,
        detail,
    }
}

#[cfg(test)]
mod tests;
