"""The moderation tests share the discussion's room: Jade's live campaign with Sam and Kai as
members, the youth worker facilitating, the admin, Dev outside the campaign, Olu elsewhere."""

from tests.campaigns.test_discussion_service import room  # noqa: F401  (a shared fixture)
