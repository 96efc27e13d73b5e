//! The one place that knows how records become bytes.
//!
//! Every stored value is an envelope: `[format version: u8][crc32 of payload:
//! u32 LE][payload]`. The payload is bincode 2 (serde mode, standard config).
//! Swapping the encoding means a new version byte and a decoder for it here;
//! nothing else in dun names bincode.
//!
//! Decoding is defensive because sled hands back whatever is on disk:
//! the checksum catches damaged bytes, a size limit stops a corrupt length
//! prefix from asking for terabytes, and trailing bytes are refused.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The envelope format written today.
pub const FORMAT_V1: u8 = 1;
/// No single record is larger than this; a length prefix claiming more is corrupt.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
const HEADER: usize = 5;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_RECORD_BYTES>()
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("record is too short ({0} bytes) to hold a header")]
    Truncated(usize),
    #[error("record has format version {0}, which this dun does not know")]
    UnknownVersion(u8),
    #[error("record checksum does not match (stored {stored:08x}, computed {computed:08x}): the bytes are damaged")]
    Checksum { stored: u32, computed: u32 },
    #[error("record does not decode: {0}")]
    Decode(String),
    #[error("record has {0} unexpected trailing bytes")]
    Trailing(usize),
    #[error("record could not be encoded: {0}")]
    Encode(String),
}

/// Encodes a value into a versioned, checksummed envelope.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![FORMAT_V1, 0, 0, 0, 0];
    bincode::serde::encode_into_std_write(value, &mut out, config()).map_err(|e| CodecError::Encode(e.to_string()))?;
    let crc = crc32fast::hash(&out[HEADER..]);
    out[1..HEADER].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Decodes an envelope written by [`encode`], or says what is wrong with it.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    decode_payload(payload_of(bytes)?)
}

/// The payload inside an envelope, once its length, version and checksum
/// are checked: every decoder starts here, so they refuse alike.
fn payload_of(bytes: &[u8]) -> Result<&[u8], CodecError> {
    if bytes.len() < HEADER {
        return Err(CodecError::Truncated(bytes.len()));
    }
    if bytes[0] != FORMAT_V1 {
        return Err(CodecError::UnknownVersion(bytes[0]));
    }
    let stored = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let payload = &bytes[HEADER..];
    let computed = crc32fast::hash(payload);
    if stored != computed {
        return Err(CodecError::Checksum { stored, computed });
    }
    Ok(payload)
}

/// Checks an envelope's length, version and checksum without decoding it:
/// for a section copied from one read image into the next.
pub fn check(bytes: &[u8]) -> Result<(), CodecError> {
    payload_of(bytes).map(|_| ())
}

/// How many records an envelope holding a `Vec<T>` says it holds, read
/// from the payload's length prefix without the checksum: for sharing out
/// the decoding. [`decode_vec_into_slots`] then checks everything.
pub fn vec_len(bytes: &[u8]) -> Result<usize, CodecError> {
    if bytes.len() < HEADER {
        return Err(CodecError::Truncated(bytes.len()));
    }
    if bytes[0] != FORMAT_V1 {
        return Err(CodecError::UnknownVersion(bytes[0]));
    }
    let (n, _): (u64, usize) =
        bincode::serde::decode_from_slice(&bytes[HEADER..], config()).map_err(|e| CodecError::Decode(e.to_string()))?;
    usize::try_from(n).map_err(|_| CodecError::Decode(format!("a sequence claims {n} records")))
}

/// Decodes an envelope holding exactly `slots.len()` records (a `Vec<T>` as
/// [`encode`] writes one) into `slots`, so that several threads can fill
/// the parts of one vector. Same checks as [`decode`]. Returns Ok only
/// after writing every slot; on an error no slot holds a record (those
/// decoded before it are dropped here, not leaked).
pub fn decode_vec_into_slots<T: DeserializeOwned>(
    bytes: &[u8],
    slots: &mut [std::mem::MaybeUninit<T>],
) -> Result<(), CodecError> {
    let payload = payload_of(bytes)?;
    let decode_err = |e: bincode::error::DecodeError| CodecError::Decode(e.to_string());
    let (n, mut at): (u64, usize) = bincode::serde::decode_from_slice(payload, config()).map_err(decode_err)?;
    if n != slots.len() as u64 {
        return Err(CodecError::Decode(format!("a sequence holds {n} records where {} were expected", slots.len())));
    }
    let mut failed = None;
    for (i, slot) in slots.iter_mut().enumerate() {
        match bincode::serde::decode_from_slice(&payload[at..], config()) {
            Ok((v, used)) => {
                slot.write(v);
                at += used;
            }
            Err(e) => {
                failed = Some((i, decode_err(e)));
                break;
            }
        }
    }
    if failed.is_none() && at != payload.len() {
        failed = Some((slots.len(), CodecError::Trailing(payload.len() - at)));
    }
    let Some((written, err)) = failed else { return Ok(()) };
    for slot in &mut slots[..written] {
        // SAFETY: the first `written` slots were written above, and are
        // dropped once here; the caller treats them all as unwritten.
        unsafe { slot.assume_init_drop() };
    }
    Err(err)
}

/// Decodes a bare bincode payload with the size limit and the trailing-byte
/// check. Split out so the limits can be tested without the checksum.
pub fn decode_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T, CodecError> {
    let (value, used) =
        bincode::serde::decode_from_slice(payload, config()).map_err(|e| CodecError::Decode(e.to_string()))?;
    if used != payload.len() {
        return Err(CodecError::Trailing(payload.len() - used));
    }
    Ok(value)
}

/// Messages on the server's socket (src/server) use the same envelope with
/// a larger limit: a snapshot carries a whole book, not one record.
pub const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// Decodes a socket message written by [`encode`], with [`MAX_MESSAGE_BYTES`].
pub fn decode_message<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let payload = payload_of(bytes)?;
    let config = bincode::config::standard().with_limit::<MAX_MESSAGE_BYTES>();
    let (value, used) =
        bincode::serde::decode_from_slice(payload, config).map_err(|e| CodecError::Decode(e.to_string()))?;
    if used != payload.len() {
        return Err(CodecError::Trailing(payload.len() - used));
    }
    Ok(value)
}

/// Bare bincode bytes of a value, for tests that damage a payload.
pub fn encode_payload<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| CodecError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Invoice numbers and client ids are compact strings in memory; in the
    /// store, the image, exports and JSON they must stay plain strings, byte
    /// for byte as a `String` was.
    #[test]
    fn a_compact_string_is_stored_as_a_string() {
        for text in ["", "INV-0000001", "C000017", "a number longer than twenty-four bytes", "Müller/佐藤"] {
            let compact = compact_str::CompactString::from(text);
            assert_eq!(encode(&compact).unwrap(), encode(&text.to_string()).unwrap(), "{text}");
            assert_eq!(serde_json::to_string(&compact).unwrap(), serde_json::to_string(text).unwrap());
            let back: compact_str::CompactString = decode(&encode(&text.to_string()).unwrap()).unwrap();
            assert_eq!(back, text);
        }
    }

    #[test]
    fn envelope_round_trip_and_damage() {
        let v = (String::from("hello"), 42u64);
        let mut bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_V1);
        assert_eq!(decode::<(String, u64)>(&bytes).unwrap(), v);
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        assert!(matches!(decode::<(String, u64)>(&bytes), Err(CodecError::Checksum { .. })));
        bytes[0] = 9;
        assert_eq!(decode::<(String, u64)>(&bytes), Err(CodecError::UnknownVersion(9)));
        assert_eq!(decode::<(String, u64)>(&[1, 2]), Err(CodecError::Truncated(2)));
    }

    #[test]
    fn huge_length_prefix_is_refused_not_allocated() {
        // A string whose varint length claims u64::MAX bytes.
        let payload = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        assert!(matches!(decode_payload::<String>(&payload), Err(CodecError::Decode(_))));
        let vec_claim = [0xFD, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00];
        assert!(matches!(decode_payload::<Vec<u64>>(&vec_claim), Err(CodecError::Decode(_))));
    }

    /// Decodes `n` records into a new vector's slots, as the image reader does.
    fn into_slots<T: DeserializeOwned>(bytes: &[u8], n: usize) -> Result<Vec<T>, CodecError> {
        let mut out = Vec::with_capacity(n);
        decode_vec_into_slots(bytes, &mut out.spare_capacity_mut()[..n])?;
        // SAFETY: Ok means all n slots were written.
        unsafe { out.set_len(n) };
        Ok(out)
    }

    #[test]
    fn a_vector_decodes_into_slots_like_a_whole() {
        let v: Vec<(String, u64)> = (0..300).map(|i| (format!("r{i}"), i * 1_000_003)).collect();
        let bytes = encode(&v).unwrap();
        assert_eq!(vec_len(&bytes), Ok(300));
        assert_eq!(into_slots::<(String, u64)>(&bytes, 300).unwrap(), v);
        assert!(matches!(into_slots::<(String, u64)>(&bytes, 299), Err(CodecError::Decode(_))), "one slot short");
        assert!(matches!(into_slots::<(String, u64)>(&bytes, 301), Err(CodecError::Decode(_))), "one slot over");
        let mut bad = bytes.clone();
        bad[9] ^= 1;
        assert!(matches!(into_slots::<(String, u64)>(&bad, 300), Err(CodecError::Checksum { .. })));
        assert!(matches!(vec_len(&bytes[..3]), Err(CodecError::Truncated(3))));
        // A count larger than the bytes could hold, with a valid checksum.
        let mut forged = vec![FORMAT_V1, 0, 0, 0, 0];
        forged.extend(encode_payload(&(u32::MAX as u64)).unwrap());
        let crc = crc32fast::hash(&forged[HEADER..]);
        forged[1..HEADER].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(vec_len(&forged), Ok(u32::MAX as usize));
        assert!(matches!(into_slots::<u8>(&forged, 3), Err(CodecError::Decode(_))));
        // Trailing bytes after the records.
        let mut long = vec![FORMAT_V1, 0, 0, 0, 0];
        long.extend(encode_payload(&vec![1u8, 2]).unwrap());
        long.push(7);
        let crc = crc32fast::hash(&long[HEADER..]);
        long[1..HEADER].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(into_slots::<u8>(&long, 2), Err(CodecError::Trailing(1)));
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut p = encode_payload(&7u32).unwrap();
        p.push(0);
        assert_eq!(decode_payload::<u32>(&p), Err(CodecError::Trailing(1)));
    }

    /// Counts drops, so a test can tell dropped records from leaked ones.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Counted(String);

    thread_local! {
        static DROPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.with(|d| d.set(d.get() + 1));
        }
    }

    /// A damaged envelope drops the records decoded before the damage was
    /// found: none is leaked, none is dropped twice.
    #[test]
    fn records_decoded_before_an_error_are_dropped() {
        let drops = || DROPS.with(|d| d.get());
        let bytes = encode(&(0..3).map(|i| Counted(format!("r{i}"))).collect::<Vec<_>>()).unwrap();
        // The same three records under a forged count (checksum recomputed):
        // one more than they are (the fourth does not decode) and one fewer
        // (a record is left over).
        let forge = |n: u8| {
            let mut f = bytes.clone();
            assert_eq!(f[HEADER], 3);
            f[HEADER] = n;
            let crc = crc32fast::hash(&f[HEADER..]);
            f[1..HEADER].copy_from_slice(&crc.to_le_bytes());
            f
        };
        for (n, decoded) in [(4u8, 3usize), (2, 2)] {
            let forged = forge(n);
            let mut slots: Vec<std::mem::MaybeUninit<Counted>> =
                (0..n).map(|_| std::mem::MaybeUninit::uninit()).collect();
            let before = drops();
            assert!(decode_vec_into_slots(&forged, &mut slots).is_err(), "count {n}");
            assert_eq!(drops() - before, decoded, "count {n}: every record decoded is dropped once");
        }
        let before = drops();
        assert_eq!(into_slots::<Counted>(&bytes, 3).unwrap().len(), 3);
        assert_eq!(drops() - before, 3, "a good decode drops its records with the vector");
    }
}
