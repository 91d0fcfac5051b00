//! polku-store
