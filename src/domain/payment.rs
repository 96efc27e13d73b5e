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

/// How a payment arrived. The methods are data: the documented default set
/// ([`PaymentMethod::DEFAULTS`]) plus the names a user adds in config.toml
/// (`[payments] methods = [...]`), kept as [`PaymentMethod::Named`].
///
/// Stored: variants are only ever appended (the codec stores the position).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Card,
    Ach,
    Cheque,
    Cash,
    Other,
    Stripe,
    PayPal,
    GoCardless,
    DirectDebit,
    Mobile,
    Crypto,
    /// A method the user added in config.toml, as written there.
    Named(String),
}

impl PaymentMethod {
    /// The documented default set, in the order the interface offers them.
    pub const DEFAULTS: [PaymentMethod; 12] = [
        PaymentMethod::BankTransfer,
        PaymentMethod::Card,
        PaymentMethod::Ach,
        PaymentMethod::Cheque,
        PaymentMethod::Cash,
        PaymentMethod::Stripe,
        PaymentMethod::PayPal,
        PaymentMethod::GoCardless,
        PaymentMethod::DirectDebit,
        PaymentMethod::Mobile,
        PaymentMethod::Crypto,
        PaymentMethod::Other,
    ];
    pub fn as_str(&self) -> &str {
        match self {
            PaymentMethod::BankTransfer => "bank transfer",
            PaymentMethod::Card => "card",
            PaymentMethod::Ach => "ACH",
            PaymentMethod::Cheque => "cheque",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Other => "other",
            PaymentMethod::Stripe => "stripe",
            PaymentMethod::PayPal => "paypal",
            PaymentMethod::GoCardless => "gocardless",
            PaymentMethod::DirectDebit => "direct debit",
            PaymentMethod::Mobile => "mobile",
            PaymentMethod::Crypto => "crypto",
            PaymentMethod::Named(n) => n,
        }
    }

    /// Parses a method from the default set or from `extra` (the user's
    /// additions, matched ignoring case, spaces and punctuation).
    pub fn parse_with(s: &str, extra: &[String]) -> Result<PaymentMethod, String> {
        let norm = |s: &str| -> String { s.trim().to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect() };
        let n = norm(s);
        let known = match n.as_str() {
            "banktransfer" | "bank" | "transfer" | "wire" | "bacs" | "eft" => Some(PaymentMethod::BankTransfer),
            "card" | "creditcard" | "debitcard" => Some(PaymentMethod::Card),
            "ach" => Some(PaymentMethod::Ach),
            "cheque" | "check" => Some(PaymentMethod::Cheque),
            "cash" => Some(PaymentMethod::Cash),
            "other" | "" => Some(PaymentMethod::Other),
            "stripe" => Some(PaymentMethod::Stripe),
            "paypal" => Some(PaymentMethod::PayPal),
            "gocardless" => Some(PaymentMethod::GoCardless),
            "directdebit" | "dd" | "sepadirectdebit" | "sepadd" => Some(PaymentMethod::DirectDebit),
            "mobile" | "mobilemoney" | "mobilepayment" => Some(PaymentMethod::Mobile),
            "crypto" | "cryptocurrency" | "bitcoin" => Some(PaymentMethod::Crypto),
            _ => None,
        };
        if let Some(m) = known {
            return Ok(m);
        }
        if let Some(e) = extra.iter().find(|e| norm(e) == n) {
            return Ok(PaymentMethod::Named(e.trim().to_string()));
        }
        let mut names: Vec<&str> = PaymentMethod::DEFAULTS.iter().map(|m| m.as_str()).collect();
        names.extend(extra.iter().map(|e| e.as_str()));
        Err(format!(
            "'{}' is not a payment method ({}; add your own under [payments] methods in config.toml)",
            s.trim(),
            names.join(", ")
        ))
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for PaymentMethod {
    type Err = String;
    /// The default set only; see [`PaymentMethod::parse_with`] for config additions.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PaymentMethod::parse_with(s, &[])
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
    /// An early-payment discount the client took within its terms:
    /// reduces the balance (appended: the codec stores the position).
    Discount,
}

impl AdjustmentKind {
    /// The signed effect of `amount` on the invoice balance.
    pub fn signed(self, amount: Decimal) -> Decimal {
        match self {
            AdjustmentKind::Fee => amount,
            AdjustmentKind::Credit | AdjustmentKind::WriteOff | AdjustmentKind::Discount => -amount,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentKind::Credit => "credit",
            AdjustmentKind::WriteOff => "write-off",
            AdjustmentKind::Fee => "fee",
            AdjustmentKind::Discount => "discount allowed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_the_default_set_plus_the_users() {
        let extra = vec!["Klarna".to_string(), "Wise Business".to_string()];
        let cases: &[(&str, Result<PaymentMethod, &str>)] = &[
            ("paypal", Ok(PaymentMethod::PayPal)),
            ("PayPal", Ok(PaymentMethod::PayPal)),
            ("Stripe", Ok(PaymentMethod::Stripe)),
            ("gocardless", Ok(PaymentMethod::GoCardless)),
            ("direct-debit", Ok(PaymentMethod::DirectDebit)),
            ("mobile", Ok(PaymentMethod::Mobile)),
            ("crypto", Ok(PaymentMethod::Crypto)),
            ("bank transfer", Ok(PaymentMethod::BankTransfer)),
            ("check", Ok(PaymentMethod::Cheque)),
            ("klarna", Ok(PaymentMethod::Named("Klarna".into()))),
            ("wise-business", Ok(PaymentMethod::Named("Wise Business".into()))),
            ("venmo", Err("'venmo' is not a payment method")),
        ];
        for (input, want) in cases {
            match (PaymentMethod::parse_with(input, &extra), want) {
                (Ok(got), Ok(w)) => assert_eq!(&got, w, "{input}"),
                (Err(e), Err(w)) => assert!(e.contains(w) && e.contains("Klarna"), "{e}"),
                (got, _) => panic!("{input}: {got:?}"),
            }
        }
        assert!("klarna".parse::<PaymentMethod>().is_err(), "additions only with the config");
        for m in PaymentMethod::DEFAULTS {
            assert_eq!(m.as_str().parse::<PaymentMethod>().unwrap(), m, "each default reads back");
        }
    }
}
