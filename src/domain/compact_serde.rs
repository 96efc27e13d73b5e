//! Serde forms for decimals and dates that are compact in the store and
//! unchanged everywhere a person reads them.
//!
//! Human-readable formats (JSON exports, TOML config) get the same text as
//! before: decimals as exact strings (`"1234.50"`), dates as ISO strings.
//! Binary formats (the store's bincode codec) get a decimal as its scale and
//! integer mantissa, and a date as its day number: no text to format on
//! every write or parse on every load, which was a large part of loading a
//! big book. Both forms are exact; the scale is kept, so `1.50` stays `1.50`.
//! Like `rust_decimal::serde::str`, these never use serde features bincode
//! cannot decode (no `deserialize_any`).
//!
//! Use them as `#[serde(with = "compact_serde::decimal")]` and friends.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A decimal's scale (at most 28) in the low bits of a byte, with the top
/// bit marking a negative zero (the only sign the mantissa cannot carry), and
/// its signed integer mantissa.
type DecimalParts = (u8, i128);
const NEGATIVE_ZERO: u8 = 0x80;

fn decimal_parts(d: &Decimal) -> DecimalParts {
    let negative_zero = if d.is_zero() && d.is_sign_negative() { NEGATIVE_ZERO } else { 0 };
    (d.scale() as u8 | negative_zero, d.mantissa())
}

fn decimal_from_parts<E: serde::de::Error>((flags, mantissa): DecimalParts) -> Result<Decimal, E> {
    let mut d = Decimal::try_from_i128_with_scale(mantissa, u32::from(flags & !NEGATIVE_ZERO))
        .map_err(|e| E::custom(format!("stored decimal is out of range: {e}")))?;
    if flags & NEGATIVE_ZERO != 0 {
        if mantissa != 0 {
            return Err(E::custom("stored decimal has a sign flag on a non-zero amount"));
        }
        d.set_sign_negative(true);
    }
    Ok(d)
}

fn date_from_day<E: serde::de::Error>(day: i32) -> Result<NaiveDate, E> {
    NaiveDate::from_num_days_from_ce_opt(day).ok_or_else(|| E::custom(format!("stored day {day} is not a date")))
}

/// `Decimal`: an exact string when human-readable, else (scale, mantissa).
pub mod decimal {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            rust_decimal::serde::str::serialize(d, s)
        } else {
            decimal_parts(d).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        if d.is_human_readable() {
            rust_decimal::serde::str::deserialize(d)
        } else {
            decimal_from_parts(DecimalParts::deserialize(d)?)
        }
    }
}

/// `Option<Decimal>`, as [`decimal`].
pub mod decimal_option {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            rust_decimal::serde::str_option::serialize(d, s)
        } else {
            d.as_ref().map(decimal_parts).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        if d.is_human_readable() {
            rust_decimal::serde::str_option::deserialize(d)
        } else {
            Option::<DecimalParts>::deserialize(d)?.map(decimal_from_parts).transpose()
        }
    }
}

/// `NaiveDate`: ISO text when human-readable, else its day number.
pub mod date {
    use super::*;

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            d.serialize(s)
        } else {
            chrono::Datelike::num_days_from_ce(d).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        if d.is_human_readable() {
            NaiveDate::deserialize(d)
        } else {
            date_from_day(i32::deserialize(d)?)
        }
    }
}

/// `Option<NaiveDate>`, as [`date`].
pub mod date_option {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            d.serialize(s)
        } else {
            d.map(|d| chrono::Datelike::num_days_from_ce(&d)).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        if d.is_human_readable() {
            Option::<NaiveDate>::deserialize(d)
        } else {
            Option::<i32>::deserialize(d)?.map(date_from_day).transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        #[serde(with = "decimal")]
        amount: Decimal,
        #[serde(with = "decimal_option")]
        limit: Option<Decimal>,
        #[serde(with = "date")]
        day: NaiveDate,
        #[serde(with = "date_option")]
        until: Option<NaiveDate>,
    }

    fn probe() -> Probe {
        Probe {
            amount: "1234.50".parse().unwrap(),
            limit: Some("-0.0001".parse().unwrap()),
            day: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            until: None,
        }
    }

    #[test]
    fn human_readable_forms_are_unchanged() {
        let json = serde_json::to_string(&probe()).unwrap();
        assert_eq!(json, r#"{"amount":"1234.50","limit":"-0.0001","day":"2026-11-22","until":null}"#);
        assert_eq!(serde_json::from_str::<Probe>(&json).unwrap(), probe());
    }

    #[test]
    fn stored_form_is_compact_and_keeps_the_scale() {
        let bytes = crate::store::codec::encode_payload(&probe()).unwrap();
        assert!(bytes.len() < 16, "{} bytes", bytes.len());
        let back: Probe = crate::store::codec::decode_payload(&bytes).unwrap();
        assert_eq!(back, probe());
        assert_eq!(back.amount.to_string(), "1234.50");
    }

    #[test]
    fn every_decimal_comes_back_bit_for_bit() {
        let mut neg_zero = Decimal::new(0, 2);
        neg_zero.set_sign_negative(true);
        for d in [neg_zero, Decimal::MAX, Decimal::MIN, Decimal::new(-1, 28), Decimal::new(150, 2), Decimal::ZERO] {
            let mut p = probe();
            p.amount = d;
            let bytes = crate::store::codec::encode_payload(&p).unwrap();
            let back: Probe = crate::store::codec::decode_payload(&bytes).unwrap();
            assert_eq!(back.amount.serialize(), d.serialize(), "{d}");
        }
    }

    #[test]
    fn out_of_range_stored_values_are_errors() {
        #[derive(Serialize)]
        struct Raw(u8, i128, Option<(u8, i128)>, i32, Option<i32>);
        let bad_scale = crate::store::codec::encode_payload(&Raw(29, 1, None, 0, None)).unwrap();
        assert!(crate::store::codec::decode_payload::<Probe>(&bad_scale).is_err());
        let bad_day = crate::store::codec::encode_payload(&Raw(0, 1, None, i32::MAX, None)).unwrap();
        assert!(crate::store::codec::decode_payload::<Probe>(&bad_day).is_err());
        let huge = crate::store::codec::encode_payload(&Raw(0, i128::MAX, None, 0, None)).unwrap();
        assert!(crate::store::codec::decode_payload::<Probe>(&huge).is_err());
        let signed_nonzero = crate::store::codec::encode_payload(&Raw(0x82, 5, None, 0, None)).unwrap();
        assert!(crate::store::codec::decode_payload::<Probe>(&signed_nonzero).is_err());
    }
}
