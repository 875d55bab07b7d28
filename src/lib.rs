//! Pledge widget.
