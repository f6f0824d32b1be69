"""Dates say what happened: members joined, applicants applied; no empty separators."""

from django.urls import reverse

from tests.factories import MemberFactory, MembershipFactory


def test_the_member_page_says_joined_for_members_and_applied_for_applicants(
    client, coordinator, ecommerce, culture
):
    member = MemberFactory(full_name="郑成员")
    MembershipFactory(member=member, group=ecommerce, status="active")
    MembershipFactory(member=member, group=culture, status="applied")
    client.force_login(coordinator)
    html = client.get(reverse("members:member-detail", args=[member.pk])).content.decode()
    ecommerce_row = html.split('data-membership="ecommerce"')[1].split("</li>")[0]
    culture_row = html.split('data-membership="culture"')[1].split("</li>")[0]
    assert "加入于" in ecommerce_row and "申请" not in ecommerce_row
    assert "申请于" in culture_row and "加入于" not in culture_row


def test_an_application_without_employer_or_category_has_no_empty_separators(
    client, coordinator, ecommerce
):
    applicant = MemberFactory(full_name="吴申请", employer="", job_title="", personnel_category="")
    MembershipFactory(member=applicant, group=ecommerce, status="applied")
    client.force_login(coordinator)
    html = client.get(reverse("groups:applications", args=["ecommerce"])).content.decode()
    assert "申请于" in html
    assert "· ·" not in html and "·  ·" not in html


def test_hours_are_in_the_pages_language_everywhere(client, volunteer):
    """One unit per language: 小时 in Chinese, h in English; never "108 h" beside 小时."""
    client.force_login(volunteer)
    html = client.get(reverse("me")).content.decode()
    total = html.split('id="total-hours">')[1].split("</div>")[0]
    assert total.strip() == "0 小时"
    client.cookies["django_language"] = "en"
    html = client.get(reverse("me")).content.decode()
    assert html.split('id="total-hours">')[1].split("</div>")[0].strip() == "0 h"
