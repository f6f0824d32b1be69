"""Issue 13: members' photos are handed out only by a view that checks who asks; on
object storage through a signed address that lapses (the bucket stays private), on the
local disk as the file itself, and never under /media/ for anyone who knows the name."""

import os
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.http import Http404
from django.urls import reverse

from tests.factories import MemberFactory, MembershipFactory
from tests.test_permission_matrix import PNG
from volunteer_portal import files


@pytest.fixture
def pictured(ecommerce, volunteer):
    """The volunteer, a member of the e-commerce group, with a photo."""
    member = volunteer.member
    MembershipFactory(member=member, group=ecommerce)
    member.photo.save("me.png", ContentFile(PNG), save=False)
    member.photo_thumbnail.save("me-small.png", ContentFile(PNG), save=False)
    member.save()
    return member


@pytest.mark.django_db
def test_the_member_sees_their_own_photo_through_the_view(client, volunteer, pictured):
    client.force_login(volunteer)
    page = client.get(reverse("me")).content.decode()
    address = reverse("members:member-photo-thumbnail", args=[pictured.pk])
    assert f'src="{address}"' in page and "/media/members/" not in page
    response = client.get(address)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert "private" in response["Cache-Control"]
    assert client.get(reverse("members:member-photo", args=[pictured.pk])).status_code == 200


@pytest.mark.django_db
def test_no_photo_or_a_lost_file_is_a_404_not_an_error(client, coordinator, ecommerce, pictured):
    client.force_login(coordinator)
    bare = MemberFactory()
    MembershipFactory(member=bare, group=ecommerce)
    assert client.get(reverse("members:member-photo", args=[bare.pk])).status_code == 404
    pictured.photo.storage.delete(pictured.photo.name)
    assert client.get(reverse("members:member-photo", args=[pictured.pk])).status_code == 404


@pytest.mark.django_db
def test_the_app_serves_media_but_never_the_members_folder(rf, pictured, tmp_path):
    name = pictured.photo.name
    assert name.startswith("members/")
    for path in (name, f"activities/../{name}", f"./{name}", f"/{name}"):
        with pytest.raises(Http404):
            files.serve_public_media(rf.get("/media/x"), path)
    cover = os.path.join(settings.MEDIA_ROOT, "activities", "covers", "c.png")
    os.makedirs(os.path.dirname(cover), exist_ok=True)
    with open(cover, "wb") as file:
        file.write(PNG)
    response = files.serve_public_media(rf.get("/media/x"), "activities/covers/c.png")
    assert response.status_code == 200


@pytest.mark.django_db
def test_on_object_storage_a_photo_is_a_signed_address_and_the_bucket_is_private(
    client, coordinator, other_coordinator, pictured, object_storage
):
    pictured.photo.save("on-s3.png", ContentFile(PNG))  # through the storage of the settings
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, pictured.photo.name))

    client.force_login(coordinator)
    response = client.get(reverse("members:member-photo", args=[pictured.pk]))
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(object_storage) and "Signature=" in signed and "Expires=" in signed
    assert urllib.request.urlopen(signed).read()  # noqa: S310 - the test's own server == PNG
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(signed.split("?")[0])  # noqa: S310 - the bucket: not to anyone
    assert refused.value.code == 403

    client.force_login(other_coordinator)  # the check comes before any address is given
    assert client.get(reverse("members:member-photo", args=[pictured.pk])).status_code == 404

    client.force_login(coordinator)  # a file gone from the bucket: 404, not a dead address
    pictured.photo.storage.delete(pictured.photo.name)
    assert client.get(reverse("members:member-photo", args=[pictured.pk])).status_code == 404


def test_on_object_storage_the_pages_may_show_images_from_the_bucket():
    """The content security policy lets the bucket's images in (the signed addresses, and
    the photo view's redirect there), and nothing else new."""
    from tests.conftest import settings_read_afresh

    sources = settings_read_afresh(
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']",
        S3_BUCKET="portal-media", S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com",
    )  # fmt: skip
    assert sources == [
        "'self'", "data:", "https://oss-cn-hangzhou.aliyuncs.com",
        "https://*.oss-cn-hangzhou.aliyuncs.com",
    ]  # fmt: skip
    on_aws = settings_read_afresh("s.CONTENT_SECURITY_POLICY['DIRECTIVES']", S3_BUCKET="b-1")
    assert on_aws["img-src"][-1] == "https://*.amazonaws.com"
    assert on_aws["script-src"] == ["'self'"]
    assert settings_read_afresh("s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']") == [
        "'self'", "data:",
    ]  # fmt: skip
