//! Length-prefixed frames on the server's socket: `[length: u32 BE][kind:
//! u8][body]`, where the length counts the kind byte and the body.
//!
//! The socket is reachable by every member of a group, so the reader trusts
//! nothing: a length above the cap is refused before anything is allocated,
//! the body is read as it arrives (a claimed size costs memory only once the
//! bytes are really there), and a frame that stops half-way runs into a
//! timeout instead of holding its thread for ever.

use std::io::{self, Read, Write};
use std::time::Duration;

/// The kinds of frame. `Hello` and `Text` never change shape, so a client
/// and a server of different versions can always tell each other so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// The client's first frame: magic, protocol version, dun version.
    Hello = b'H',
    /// A plain UTF-8 message that ends the conversation (refusals).
    Text = b'T',
    /// A request, response or event, in the codec's envelope.
    Message = b'M',
}

impl Kind {
    fn from_byte(b: u8) -> Option<Kind> {
        match b {
            b'H' => Some(Kind::Hello),
            b'T' => Some(Kind::Text),
            b'M' => Some(Kind::Message),
            _ => None,
        }
    }
}

/// A frame as read: its kind and body.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: Kind,
    pub body: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The peer closed the connection between frames: the normal end.
    #[error("the connection was closed")]
    Closed,
    #[error("a frame claims {claimed} bytes; at most {cap} are accepted")]
    TooLarge { claimed: u64, cap: usize },
    #[error("an empty frame (no kind byte)")]
    Empty,
    #[error("a frame of unknown kind {0:#04x}")]
    UnknownKind(u8),
    #[error("the connection ended in the middle of a frame ({got} of {want} bytes)")]
    Truncated { got: usize, want: usize },
    #[error("a frame stopped arriving half-way ({got} of {want} bytes in {secs} s)")]
    Stalled { got: usize, want: usize, secs: u64 },
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// How long the rest of a frame may take once its length has arrived.
pub const FRAME_DEADLINE: Duration = Duration::from_secs(10);

/// Something whose read timeout can be set (a socket; tests use pipes).
pub trait Timed {
    fn set_deadline(&self, d: Option<Duration>) -> io::Result<()>;
}

impl Timed for std::os::unix::net::UnixStream {
    fn set_deadline(&self, d: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(d)
    }
}

/// Reads one frame of at most `cap` bytes. Waiting for a frame to start has
/// no limit (an idle interface is normal); its remainder has [`FRAME_DEADLINE`].
pub fn read_frame<R: Read + Timed>(r: &mut R, cap: usize) -> Result<Frame, FrameError> {
    let mut len = [0u8; 4];
    let got = read_full(r, &mut len)?;
    if got == 0 {
        return Err(FrameError::Closed);
    }
    r.set_deadline(Some(FRAME_DEADLINE))?;
    let result = (|| {
        if got < 4 {
            let more = read_full(r, &mut len[got..]).map_err(|e| stalled(e, got, 4))?;
            if got + more < 4 {
                return Err(FrameError::Truncated { got: got + more, want: 4 });
            }
        }
        let want = u32::from_be_bytes(len) as usize;
        if want > cap {
            return Err(FrameError::TooLarge { claimed: want as u64, cap });
        }
        if want == 0 {
            return Err(FrameError::Empty);
        }
        // Grown as bytes arrive, in steps, never to the claimed size at once.
        let mut body = Vec::with_capacity(want.min(64 * 1024));
        let mut chunk = [0u8; 64 * 1024];
        while body.len() < want {
            let n = (want - body.len()).min(chunk.len());
            let got = read_full(r, &mut chunk[..n]).map_err(|e| stalled(e, body.len(), want))?;
            body.extend_from_slice(&chunk[..got]);
            if got < n {
                return Err(FrameError::Truncated { got: body.len(), want });
            }
        }
        let kind = Kind::from_byte(body[0]).ok_or(FrameError::UnknownKind(body[0]))?;
        body.remove(0);
        Ok(Frame { kind, body })
    })();
    r.set_deadline(None)?;
    result
}

fn stalled(e: FrameError, got: usize, want: usize) -> FrameError {
    match e {
        FrameError::Io(io) if matches!(io.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            FrameError::Stalled { got, want, secs: FRAME_DEADLINE.as_secs() }
        }
        other => other,
    }
}

/// Reads until `buf` is full or the peer closes; returns how much arrived.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut at = 0;
    while at < buf.len() {
        match r.read(&mut buf[at..]) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    Ok(at)
}

/// Writes one frame and flushes it.
pub fn write_frame<W: Write>(w: &mut W, kind: Kind, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len() + 1)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a frame larger than 4 GiB"))?;
    let mut head = [0u8; 5];
    head[..4].copy_from_slice(&len.to_be_bytes());
    head[4] = kind as u8;
    w.write_all(&head)?;
    w.write_all(body)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A byte slice that reads like a socket.
    struct Bytes<'a>(&'a [u8]);
    impl Read for Bytes<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
    }
    impl Timed for Bytes<'_> {
        fn set_deadline(&self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
    }

    fn read(bytes: &[u8], cap: usize) -> Result<Frame, FrameError> {
        read_frame(&mut Bytes(bytes), cap)
    }

    #[test]
    fn round_trip() {
        let mut out = Vec::new();
        write_frame(&mut out, Kind::Message, b"hello").unwrap();
        assert_eq!(out[..4], 6u32.to_be_bytes());
        assert_eq!(read(&out, 100).unwrap(), Frame { kind: Kind::Message, body: b"hello".to_vec() });
    }

    #[test]
    fn hostile_frames_are_refused() {
        assert!(matches!(read(&[], 100), Err(FrameError::Closed)));
        assert!(matches!(read(&[0, 0], 100), Err(FrameError::Truncated { got: 2, want: 4 })));
        assert!(matches!(read(&[0xFF, 0xFF, 0xFF, 0xFF], 100), Err(FrameError::TooLarge { .. })));
        assert!(matches!(read(&[0, 0, 0, 0], 100), Err(FrameError::Empty)));
        assert!(matches!(read(&[0, 0, 0, 9, b'M', 1, 2], 100), Err(FrameError::Truncated { got: 3, want: 9 })));
        assert!(matches!(read(&[0, 0, 0, 1, b'Z'], 100), Err(FrameError::UnknownKind(b'Z'))));
        // The cap counts the kind byte: a body of cap bytes is one too many.
        let mut out = Vec::new();
        write_frame(&mut out, Kind::Text, &[b'x'; 10]).unwrap();
        assert!(read(&out, 11).is_ok());
        assert!(matches!(read(&out, 10), Err(FrameError::TooLarge { claimed: 11, cap: 10 })));
    }
}
