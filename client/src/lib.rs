//! fnosync client.
