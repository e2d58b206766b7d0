"""English: work time and its rating for invoicing (issue 14)."""

CATALOG: dict[str, str] = {
    # rate rules
    "rating.rate_invalid": "The hourly rate must be a whole amount in minor units (grosze), zero or more.",
    "rating.currency_invalid": "Unknown currency “{currency}”: use a three-letter code such as PLN or EUR.",
    "rating.rounding_unknown": "Unknown rounding “{rounding}”: choose none, up or nearest.",
    "rating.rounding_minutes_missing": "Rounding up or to the nearest block needs the block length in minutes, e.g. 15.",
    "rating.rounding_minutes_invalid": "The rounding block must be between 1 and {max} minutes.",
    "rating.minimum_invalid": "The minimum per visit must be between 0 and {max} minutes.",
    "rating.after_hours_pct_invalid": "The after-hours rate must be between 1 and {max} %.",
    "rating.weekend_pct_invalid": "The weekend and holiday rate must be between 1 and {max} %.",
    "rating.on_site_pct_invalid": "The on-site rate must be between 1 and {max} %.",
    # work entries
    "rating.seconds_negative": "The time worked cannot be negative.",
    "rating.span_reversed": "A period of work must end after it starts.",
    "rating.spans_overlap": "The periods of work overlap.",
}
