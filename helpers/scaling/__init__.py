"""Scaling an endpoint: target-tracking autoscaling and serverless inference, simulated over a day of traffic with their cost."""
