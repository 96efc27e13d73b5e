//! Clients (the accounts being chased) and their collection settings.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Currency;
use super::terms::{DiscountTerms, LateFeePolicy};

/// A customer account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// Short user-chosen id, unique in the book (`C000123`).
    pub id: String,
    pub name: String,
    pub contact: String,
    pub email: String,
    pub phone: String,
    /// Default payment terms in days for new invoices.
    pub terms_days: u32,
    pub currency: Currency,
    #[serde(with = "super::compact_serde::decimal_option")]
    pub credit_limit: Option<Decimal>,
    /// Days of the month on which this client runs its payments (1..=31;
    /// a day past the month's end means its last day).
    pub payment_run_days: Vec<u8>,
    pub tags: Vec<String>,
    /// The collector who owns the account (a user name).
    pub owner: String,
    pub hold: Option<Hold>,
    /// No actions until this date (inclusive of the day before).
    #[serde(with = "super::compact_serde::date_option")]
    pub snoozed_until: Option<NaiveDate>,
    /// Overrides the book's late-fee policy for this client.
    pub late_fee: Option<LateFeePolicy>,
    /// Default early-payment discount for this client's invoices.
    pub discount: Option<DiscountTerms>,
}

/// An account put on hold: no chasing until released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub reason: String,
    #[serde(with = "super::compact_serde::date")]
    pub since: NaiveDate,
}

impl Client {
    /// A client with the given id and name and neutral defaults.
    pub fn new(id: impl Into<String>, name: impl Into<String>, currency: Currency) -> Self {
        Client {
            id: id.into(),
            name: name.into(),
            contact: String::new(),
            email: String::new(),
            phone: String::new(),
            terms_days: 30,
            currency,
            credit_limit: None,
            payment_run_days: Vec::new(),
            tags: Vec::new(),
            owner: String::new(),
            hold: None,
            snoozed_until: None,
            late_fee: None,
            discount: None,
        }
    }

    pub fn is_snoozed(&self, today: NaiveDate) -> bool {
        self.snoozed_until.is_some_and(|d| today < d)
    }
}

/// Checks a client id: 1 to 32 characters of letters, digits, `-`, `_`, `.`.
pub fn validate_client_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 32 {
        return Err(format!("client id '{id}' must be 1 to 32 characters"));
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(format!("client id '{id}' may hold only letters, digits, '-', '_' and '.'"));
    }
    Ok(())
}
