//! polku-web
