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
    /// Postal address, one line per entry (street, town, country...), for
    /// the recipient block of letters and statements. Empty when unknown.
    /// New in store schema 2 (see [`ClientV1`]).
    pub address: Vec<String>,
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
            address: Vec::new(),
        }
    }

    pub fn is_snoozed(&self, today: NaiveDate) -> bool {
        self.snoozed_until.is_some_and(|d| today < d)
    }
}

/// A client as stores of schema 1 hold it (before the postal address).
/// bincode is not self-describing, so an older record cannot decode as the
/// new shape: the store's migration to schema 2 and the restore of an older
/// backup read it as this and convert it, with an empty address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientV1 {
    pub id: String,
    pub name: String,
    pub contact: String,
    pub email: String,
    pub phone: String,
    pub terms_days: u32,
    pub currency: Currency,
    #[serde(with = "super::compact_serde::decimal_option")]
    pub credit_limit: Option<Decimal>,
    pub payment_run_days: Vec<u8>,
    pub tags: Vec<String>,
    pub owner: String,
    pub hold: Option<Hold>,
    #[serde(with = "super::compact_serde::date_option")]
    pub snoozed_until: Option<NaiveDate>,
    pub late_fee: Option<LateFeePolicy>,
    pub discount: Option<DiscountTerms>,
}

impl From<ClientV1> for Client {
    fn from(c: ClientV1) -> Client {
        Client {
            id: c.id,
            name: c.name,
            contact: c.contact,
            email: c.email,
            phone: c.phone,
            terms_days: c.terms_days,
            currency: c.currency,
            credit_limit: c.credit_limit,
            payment_run_days: c.payment_run_days,
            tags: c.tags,
            owner: c.owner,
            hold: c.hold,
            snoozed_until: c.snoozed_until,
            late_fee: c.late_fee,
            discount: c.discount,
            address: Vec::new(),
        }
    }
}

/// A postal address as given, as lines: each entry may itself hold line
/// breaks; blank lines go, control characters go, and an address too long
/// for an envelope window (over 8 lines, or a line over 80 characters) is
/// refused rather than cut.
pub fn address_lines(given: &[String]) -> Result<Vec<String>, String> {
    let lines: Vec<String> = given
        .iter()
        .flat_map(|l| l.split('\n'))
        .map(|l| l.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|c| !c.is_control()).collect::<String>())
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > 8 {
        return Err(format!("an address has at most 8 lines, not {}", lines.len()));
    }
    if let Some(l) = lines.iter().find(|l| l.chars().count() > 80) {
        return Err(format!("an address line has at most 80 characters: '{l}'"));
    }
    Ok(lines)
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
