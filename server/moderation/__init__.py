"""Keeping live sessions safe: reports, holds, mutes, room controls, the word filter, peer
moderators, safeguarding concerns, and the audit log youth workers and admins read."""
