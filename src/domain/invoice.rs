//! Invoices. Status is derived from what was applied to an invoice (see
//! `receivables::balance`), never stored where it could drift.

use chrono::NaiveDate;
use compact_str::CompactString;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::{Currency, Money};
use super::terms::{DiscountTerms, Instalment};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// Unique across the book.
    pub number: CompactString,
    pub client_id: CompactString,
    #[serde(with = "super::compact_serde::date")]
    pub issue_date: NaiveDate,
    #[serde(with = "super::compact_serde::date")]
    pub due_date: NaiveDate,
    pub currency: Currency,
    /// Line items; empty when the invoice was entered as a plain total.
    pub lines: Vec<LineItem>,
    /// The invoice total including tax. Equal to the sum of the lines when
    /// there are lines.
    #[serde(with = "super::compact_serde::decimal")]
    pub total: Decimal,
    pub reference: String,
    pub dispute: Option<Dispute>,
    /// Kept in aging and totals, but never chased.
    pub excluded: bool,
    /// Instalments replacing the single due date; their amounts sum to the total.
    pub plan: Vec<Instalment>,
    pub discount: Option<DiscountTerms>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub description: String,
    #[serde(with = "super::compact_serde::decimal")]
    pub quantity: Decimal,
    #[serde(with = "super::compact_serde::decimal")]
    pub unit_price: Decimal,
    /// Tax rate in percent (20 means 20%).
    #[serde(with = "super::compact_serde::decimal_option")]
    pub tax_rate: Option<Decimal>,
}

impl LineItem {
    /// Quantity × price plus tax, rounded to cents.
    pub fn total(&self) -> Decimal {
        let net = self.quantity * self.unit_price;
        let tax = self.tax_rate.map(|r| net * r / Decimal::ONE_HUNDRED).unwrap_or_default();
        (net + tax).round_dp(2)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub reason: String,
    #[serde(with = "super::compact_serde::date")]
    pub since: NaiveDate,
}

impl Invoice {
    /// An invoice for a plain total.
    pub fn new(
        number: impl Into<CompactString>,
        client_id: impl Into<CompactString>,
        issue_date: NaiveDate,
        due_date: NaiveDate,
        total: Money,
    ) -> Self {
        Invoice {
            number: number.into(),
            client_id: client_id.into(),
            issue_date,
            due_date,
            currency: total.currency,
            lines: Vec::new(),
            total: total.amount,
            reference: String::new(),
            dispute: None,
            excluded: false,
            plan: Vec::new(),
            discount: None,
        }
    }

    pub fn total_money(&self) -> Money {
        Money::new(self.total, self.currency)
    }

    pub fn is_disputed(&self) -> bool {
        self.dispute.is_some()
    }
}

/// Derived state of an invoice on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Open,
    PartlyPaid,
    Paid,
    Credited,
    WrittenOff,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::PartlyPaid => "partly paid",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Credited => "credited",
            InvoiceStatus::WrittenOff => "written off",
        }
    }
    pub fn is_settled(self) -> bool {
        matches!(self, InvoiceStatus::Paid | InvoiceStatus::Credited | InvoiceStatus::WrittenOff)
    }
}
