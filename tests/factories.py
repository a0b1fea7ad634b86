import factory

from crm.models import Contact, Team, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = User.Role.REP
    password = factory.django.Password("pw")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    manager = factory.SubFactory(UserFactory, role=User.Role.MANAGER)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    kind = Contact.Kind.PERSON
    name = factory.Faker("name")
    email = factory.Faker("email")
    owner = factory.SubFactory(UserFactory)


class OrganisationFactory(ContactFactory):
    kind = Contact.Kind.ORGANISATION
    name = factory.Faker("company")
    website = factory.Faker("url")
