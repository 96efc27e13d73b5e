//! Commercial terms that the receivables math applies: late fees and
//! interest, early-payment discounts, and payment-plan instalments.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What may be charged on an overdue invoice. Every part is optional; they add
/// up. Computed as *chargeable*; charging is an explicit adjustment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateFeePolicy {
    /// A fixed fee once the invoice is overdue past the grace period.
    #[serde(with = "super::compact_serde::decimal_option")]
    pub fixed: Option<Decimal>,
    /// A percentage of the overdue amount (5 means 5%).
    #[serde(with = "super::compact_serde::decimal_option")]
    pub percent: Option<Decimal>,
    /// Simple interest at this annual rate in percent: principal × rate ÷ 365 × days late.
    #[serde(with = "super::compact_serde::decimal_option")]
    pub annual_rate: Option<Decimal>,
    /// Days after the due date before any fee applies.
    pub grace_days: u32,
}

/// "2% within 10 days": `percent` off if paid within `days` of the issue date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountTerms {
    #[serde(with = "super::compact_serde::decimal")]
    pub percent: Decimal,
    pub days: u32,
}

/// One part of a payment plan; each ages on its own due date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    #[serde(with = "super::compact_serde::date")]
    pub due: NaiveDate,
    #[serde(with = "super::compact_serde::decimal")]
    pub amount: Decimal,
}
