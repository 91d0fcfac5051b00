//! polku-app
