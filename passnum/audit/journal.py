from .sentences import register

register(
    {
        "audit.journal.searched": "{actor} a consulté le journal",
    }
)
