"""The sample county: clearly labelled, complete enough to work with, loaded once."""

from backend.services import seed


async def test_the_sample_county_has_its_towns_centres_departments_and_ab_posts(svc, seeded):
    assert seeded["townships"] == 17
    tenant = await svc.db.tenants.find_one({"_id": "ziyang"})
    assert tenant["sample"] is True and tenant["area_code"] == "610924"
    assert await svc.db.centres.count_documents({"tenant": "ziyang", "level": "township"}) == 17
    window = await svc.db.posts.find_one({"_id": "ziyang:w01"})
    assert window["holder_a"] == "ziyang:clerk_a" and window["holder_b"] == "ziyang:clerk_b"
    assert {doc["tenant"] async for doc in svc.db.staff.find({})} == {"ziyang"}


async def test_seeding_twice_changes_nothing(svc, seeded):
    before = await svc.db.staff.count_documents({})
    again = await seed.seed_sample(svc)
    assert again["skipped"] is True and await svc.db.staff.count_documents({}) == before
