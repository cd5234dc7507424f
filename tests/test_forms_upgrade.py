"""Forms open when the bot was upgraded to the one form skeleton (issue 24): a person who was in
the middle of /documents or of the returnee questions, with the draft and the state number the
old code wrote (LIST=0 and ASK=1; ASK=0, STORY=1 and CONSENT=2), goes on where they were."""

from __future__ import annotations

from typing import Any

from tests.support.chat import Bot, Person
from tests.support.journeys import sent_departure

SAVED_VISA = "✅ បានរក្សាទុក៖ វីសា ផុតកំណត់នៅថ្ងៃ ១ ឧសភា ២០៣១"


async def as_the_old_code_left_it(
    bot: Bot, person: Person, name: str, draft: dict[str, Any], state: int
) -> None:
    """The form's draft and state as the old code persisted them, then a crash and a restart."""
    assert bot.app is not None and bot.app.persistence is not None
    user_data = {**bot.app.user_data.get(person.id, {}), name: draft}
    await bot.app.persistence.update_user_data(person.id, user_data)
    await bot.app.persistence.update_conversation(name, (person.id, person.id), state)
    await bot.restart(crash=True)


async def test_a_date_asked_before_the_upgrade_is_kept_after_it(bot: Bot) -> None:
    villager = bot.user(7201)
    departure_id = await sent_departure(bot, villager)
    draft = {"departure": departure_id, "kind": "visa"}
    await as_the_old_code_left_it(bot, villager, "documents", draft, 1)  # old Step.ASK
    await villager.send("01/05/2031")
    assert villager.last_text().startswith(SAVED_VISA)
    [visa] = await bot.store.documents_of(departure_id)
    assert (visa.kind, str(visa.expires_on)) == ("visa", "2031-05-01")


async def test_the_list_shown_before_the_upgrade_still_answers_its_buttons(bot: Bot) -> None:
    villager = bot.user(7202)
    departure_id = await sent_departure(bot, villager)
    await villager.send("/documents")
    await as_the_old_code_left_it(bot, villager, "documents", {"departure": departure_id}, 0)
    await villager.click("📄 វីសា")  # the old list's button
    assert villager.last_text().startswith("តើវីសាផុតកំណត់ថ្ងៃណា?")
    await villager.click("🤷 ខ្ញុំមិនដឹង")
    assert "វីសា មិនដឹងថ្ងៃផុតកំណត់" in villager.last_text()


KEPT_THEM, NOT_KEPT = "👍 បាទ/ចាស ខ្ញុំទុកជាប់នឹងខ្លួន", "🛂 ទេ អ្នកផ្សេងយកទុក"
ANSWERS = {
    "wage": "partly",
    "savings": None,
    "problems": ["wages_withheld"],
    "documents": "no",
    "advise": "yes",
}


async def test_a_story_typed_before_the_upgrade_is_kept_with_the_yes_after_it(bot: Bot) -> None:
    villager = bot.user(7203)
    departure_id = await sent_departure(bot, villager)
    await villager.send("/home")
    draft = {"departure_id": departure_id, "answers": ANSWERS, "story": "The boss paid half."}
    await as_the_old_code_left_it(bot, villager, "returning", draft, 2)  # old Step.CONSENT
    await villager.press("ret:consent:yes")  # the old consent question's button
    assert villager.last_text().startswith("អរគុណ។")
    [kept] = await bot.store.returns_of(villager.id)
    assert kept["story"] == "The boss paid half." and kept["story_consent"] == 1
    assert kept["problems"] == "wages_withheld" and kept["savings"] is None


async def test_ticks_made_before_the_upgrade_are_kept_by_done_after_it(bot: Bot) -> None:
    villager = bot.user(7204)
    departure_id = await sent_departure(bot, villager)
    await villager.send("/home")
    draft = {
        "departure_id": departure_id,
        "answers": {"wage": "yes", "savings": None},
        "ticked": ["wages_withheld"],
    }
    await as_the_old_code_left_it(bot, villager, "returning", draft, 0)  # old Step.ASK
    await villager.press("ret:m:done")
    assert villager.buttons()[:2] == [KEPT_THEM, NOT_KEPT]  # the next question
    await villager.click(NOT_KEPT)
    await villager.click("មិនប្រាកដ")
    await as_the_old_code_left_it(bot, villager, "returning", dict(bot_draft(bot, villager)), 1)
    await villager.press("ret:story:skip")  # old Step.STORY's skip
    [kept] = await bot.store.returns_of(villager.id)
    assert kept["problems"] == "wages_withheld" and kept["kept_documents"] == "no"
    assert kept["story"] is None and kept["story_consent"] == 0


def bot_draft(bot: Bot, person: Person) -> dict[str, Any]:
    assert bot.app is not None
    found = bot.app.user_data[person.id]["returning"]
    assert isinstance(found, dict)
    return found
