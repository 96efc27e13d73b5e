//! Payments received and adjustments (credit notes, write-offs, charged fees).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::money::Currency;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Assigned by the store, increasing.
    pub id: u64,
    pub client_id: String,
    #[serde(with = "super::compact_serde::date")]
    pub date: NaiveDate,
    #[serde(with = "super::compact_serde::decimal")]
    pub amount: Decimal,
    pub currency: Currency,
    pub method: PaymentMethod,
    pub reference: String,
    /// What the payment settles. The remainder, `amount − Σ allocations`, is
    /// credit on the client's account.
    pub allocations: Vec<Allocation>,
    /// Set on an entry that reverses an earlier payment (undo): its amount and
    /// allocations are the negation of the original's.
    pub reverses: Option<u64>,
}

impl Payment {
    pub fn allocated(&self) -> Decimal {
        self.allocations.iter().map(|a| a.amount).sum()
    }
    /// The part of this payment left as credit on account.
    pub fn unallocated(&self) -> Decimal {
        self.amount - self.allocated()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub invoice: String,
    #[serde(with = "super::compact_serde::decimal")]
    pub amount: Decimal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Card,
    Ach,
    Cheque,
    Cash,
    Other,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 6] = [
        PaymentMethod::BankTransfer,
        PaymentMethod::Card,
        PaymentMethod::Ach,
        PaymentMethod::Cheque,
        PaymentMethod::Cash,
        PaymentMethod::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::BankTransfer => "bank transfer",
            PaymentMethod::Card => "card",
            PaymentMethod::Ach => "ACH",
            PaymentMethod::Cheque => "cheque",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Other => "other",
        }
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for PaymentMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s.trim().to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        Ok(match norm.as_str() {
            "banktransfer" | "bank" | "transfer" | "wire" | "bacs" | "eft" => PaymentMethod::BankTransfer,
            "card" | "creditcard" | "debitcard" => PaymentMethod::Card,
            "ach" => PaymentMethod::Ach,
            "cheque" | "check" => PaymentMethod::Cheque,
            "cash" => PaymentMethod::Cash,
            "other" | "" => PaymentMethod::Other,
            _ => {
                return Err(format!(
                    "'{}' is not a payment method (bank transfer, card, ACH, cheque, cash, other)",
                    s.trim()
                ))
            }
        })
    }
}

/// A change to an invoice's balance that is not a payment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub id: u64,
    pub invoice: String,
    #[serde(with = "super::compact_serde::date")]
    pub date: NaiveDate,
    pub kind: AdjustmentKind,
    /// Positive; the kind says which way it moves the balance. A reversing
    /// entry (undo) carries the negation of the original amount.
    #[serde(with = "super::compact_serde::decimal")]
    pub amount: Decimal,
    pub reason: String,
    pub reverses: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// A credit note: reduces the balance.
    Credit,
    /// A write-off of a bad debt: reduces the balance.
    WriteOff,
    /// A late fee or interest that was charged: increases the balance.
    Fee,
}

impl AdjustmentKind {
    /// The signed effect of `amount` on the invoice balance.
    pub fn signed(self, amount: Decimal) -> Decimal {
        match self {
            AdjustmentKind::Fee => amount,
            AdjustmentKind::Credit | AdjustmentKind::WriteOff => -amount,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentKind::Credit => "credit",
            AdjustmentKind::WriteOff => "write-off",
            AdjustmentKind::Fee => "fee",
        }
    }
}
