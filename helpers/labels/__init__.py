"""Labels at scale: several annotators per item, consolidating their answers, and choosing what to label next."""
