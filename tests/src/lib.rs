//! Shared helpers for the whole-system tests (float64 references).
