//! The organiser's work in the console.
