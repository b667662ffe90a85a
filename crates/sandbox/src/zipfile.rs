//! Deterministic zip archives (fixed timestamps), so seeded code has a stable SHA-256.

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

pub fn make_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in files {
        w.start_file(*name, opts).expect("in-memory zip entry");
        w.write_all(bytes).expect("in-memory zip write");
    }
    w.finish().expect("in-memory zip").into_inner()
}
