//! Validates a request body against its route's parameters and reports every problem at once in
//! Seam's zod-style `validation_errors` (`{"_errors": [], "<field>": {"_errors": ["…"]}}`).

use serde_json::{json, Map, Value};

use super::spec::{Ty, P};
use crate::error::ApiError;

/// Checks `body` against `params`; unknown fields are allowed (and ignored later).
pub fn validate(body: &Value, params: &[P]) -> Result<(), ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError::invalid_input(format!(
            "Expected a JSON object as the request body, received {}",
            kind_of(body)
        )));
    };
    let mut errors = Map::new();
    let mut first: Option<String> = None;
    check_object(obj, params, "", &mut errors, &mut first);
    if errors.is_empty() {
        return Ok(());
    }
    let mut e = ApiError::invalid_input(first.unwrap_or_else(|| "Invalid input".to_owned()));
    errors.insert("_errors".to_owned(), json!([]));
    e.validation_errors = Some(Value::Object(errors));
    Err(e)
}

fn check_object(
    obj: &Map<String, Value>,
    params: &[P],
    prefix: &str,
    errors: &mut Map<String, Value>,
    first: &mut Option<String>,
) {
    for p in params {
        let path = format!("{prefix}{}", p.name);
        let msg = match obj.get(p.name) {
            None if p.required => Some("Required".to_owned()),
            None => None,
            Some(Value::Null) if p.nullable => None,
            Some(Value::Null) if p.required => Some("Required".to_owned()),
            Some(Value::Null) => Some(format!("Expected {}, received null", expected(&p.ty))),
            Some(v) => check(v, &p.ty),
        };
        if let Some(m) = msg {
            if first.is_none() {
                *first = Some(format!("{path}: {m}"));
            }
            errors.insert(p.name.to_owned(), json!({ "_errors": [m] }));
        }
    }
}

/// Returns a message for a scalar mismatch; nested objects report into `errors` themselves.
fn check(v: &Value, ty: &Ty) -> Option<String> {
    let bad = || {
        Some(format!(
            "Expected {}, received {}",
            expected(ty),
            kind_of(v)
        ))
    };
    match ty {
        Ty::Str => (!v.is_string()).then(bad).flatten(),
        Ty::Uuid => match v.as_str() {
            Some(s) if uuid::Uuid::parse_str(s).is_ok() && s.len() == 36 => None,
            Some(_) => Some("Invalid uuid".to_owned()),
            None => bad(),
        },
        Ty::Time => match v.as_str() {
            Some(s) if ajar_protocol::time::parse_ts(s).is_ok() => None,
            Some(_) => Some(
                "Invalid datetime: expected RFC 3339, e.g. 2026-01-01T00:00:00.000Z".to_owned(),
            ),
            None => bad(),
        },
        Ty::Email => match v.as_str() {
            Some(s) if is_email(s) => None,
            Some(_) => Some("Invalid email".to_owned()),
            None => bad(),
        },
        Ty::Enum(options) => match v.as_str() {
            Some(s) if options.contains(&s) => None,
            _ => Some(format!(
                "Invalid enum value. Expected {}",
                options
                    .iter()
                    .map(|o| format!("'{o}'"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )),
        },
        Ty::Int => match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= 0.0 && f <= f64::from(u32::MAX) => None,
            Some(_) => Some("Expected a non-negative whole number".to_owned()),
            None => bad(),
        },
        Ty::Num => (!v.is_number()).then(bad).flatten(),
        Ty::Bool => (!v.is_boolean()).then(bad).flatten(),
        Ty::Arr(inner) => match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(m) = check(item, inner) {
                        return Some(format!("[{i}]: {m}"));
                    }
                }
                None
            }
            None => bad(),
        },
        Ty::Obj(fields) => match v.as_object() {
            Some(o) => {
                let mut nested = Map::new();
                let mut nested_first = None;
                check_object(o, fields, "", &mut nested, &mut nested_first);
                nested_first
            }
            None => bad(),
        },
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn expected(ty: &Ty) -> &'static str {
    match ty {
        Ty::Str | Ty::Uuid | Ty::Time | Ty::Email | Ty::Enum(_) => "string",
        Ty::Int | Ty::Num => "number",
        Ty::Bool => "boolean",
        Ty::Arr(_) => "array",
        Ty::Obj(_) => "object",
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: &[P] = &[
        P {
            name: "id",
            ty: Ty::Uuid,
            required: true,
            nullable: false,
        },
        P {
            name: "email",
            ty: Ty::Email,
            required: false,
            nullable: true,
        },
        P {
            name: "ids",
            ty: Ty::Arr(&Ty::Uuid),
            required: false,
            nullable: false,
        },
        P {
            name: "n",
            ty: Ty::Int,
            required: false,
            nullable: false,
        },
    ];

    #[test]
    fn reports_each_bad_field_by_name() {
        let e = validate(&json!({"email": "nope", "ids": ["x"], "n": -1}), PARAMS)
            .expect_err("invalid");
        let v = e.validation_errors.expect("validation errors");
        assert_eq!(v["id"]["_errors"][0], "Required");
        assert_eq!(v["email"]["_errors"][0], "Invalid email");
        assert_eq!(v["ids"]["_errors"][0], "[0]: Invalid uuid");
        assert!(v["n"]["_errors"][0].as_str().is_some());
        assert_eq!(e.kind, "invalid_input");
    }

    #[test]
    fn accepts_good_input_and_nulls_where_allowed() {
        let ok = json!({"id": "11111111-1111-4111-8111-111111111111", "email": null, "ids": [], "extra": 1});
        assert!(validate(&ok, PARAMS).is_ok());
        assert!(validate(&json!([1, 2]), PARAMS).is_err());
        assert!(validate(&json!({"id": 5}), PARAMS).is_err());
    }
}
