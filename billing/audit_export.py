"""The audit trail as a table (tablib): the admin's CSV export, one column per field."""

import tablib

HEADERS = [
    "occurred_at",
    "action",
    "account",
    "subject_type",
    "subject_id",
    "subject",
    "old_value",
    "new_value",
    "reason",
    "by",
]


def _cell(value) -> str:
    """Text a spreadsheet will not run as a formula (names and reasons are typed by people)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def events_dataset(events) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=HEADERS)
    for event in events.select_related("account").order_by("occurred_at", "id"):
        dataset.append(
            [
                event.occurred_at.isoformat(),
                event.action,
                _cell(event.account.name if event.account else ""),
                event.subject_type,
                event.subject_id,
                _cell(event.subject_label),
                _cell(event.old_value),
                _cell(event.new_value),
                _cell(event.reason),
                _cell(event.actor_label),
            ]
        )
    return dataset
