#!/usr/bin/perl
# Prepares a freshly initialised Request Tracker 5 database for the system
# tests (test/systems/support/rt-instance.ts runs it after
# `rt-setup-database-5 --action init`, with the instance's RT_SITE_CONFIG and
# RT_SITE_CONFIG_DIR): the queue the hub works in, the three ticket custom
# fields the built-in rt5 mapping profile uses, privileged users with an auth
# token each, and the queue rights they need.
#
# Reads one JSON object on stdin:
#   { "queue": "Drehscheibe",
#     "users": [ { "name": "drehscheibe", "password": "…" }, … ],
#     "resolutionCodes": [ "solved", … ],
#     "firstTicketId": 1 }
# Prints one JSON object on stdout:
#   { "queue": { "id": 3, "name": "Drehscheibe" },
#     "customFields": { "Drehscheibe Service": 2, … },
#     "users": { "drehscheibe": { "id": 31, "token": "1-31-…" }, … } }
# Tokens authenticate REST2 calls with `Authorization: token <value>`.
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use JSON ();
use RT;

RT::LoadConfig();
RT::Init();

my $input = JSON::decode_json(do { local $/; <STDIN> });
my $system = RT->SystemUser;

sub check {
    my ($what, $ok, $message) = @_;
    die "$what: $message\n" unless $ok;
}

my $queue = RT::Queue->new($system);
$queue->Load($input->{queue});
check("queue $input->{queue}", $queue->Create(Name => $input->{queue})) unless $queue->id;

my %custom_fields;
for my $field (
    { name => 'Drehscheibe Service',    type => 'Freeform' },
    { name => 'Drehscheibe Ticket',     type => 'Freeform' },
    { name => 'Drehscheibe Resolution', type => 'Select', values => $input->{resolutionCodes} },
) {
    my $cf = RT::CustomField->new($system);
    $cf->LoadByName(Name => $field->{name}, LookupType => RT::Ticket->CustomFieldLookupType);
    unless ($cf->id) {
        check("custom field $field->{name}",
            $cf->Create(Name => $field->{name}, Type => $field->{type}, MaxValues => 1, LookupType => RT::Ticket->CustomFieldLookupType));
        check("value $_ of $field->{name}", $cf->AddValue(Name => $_)) for @{ $field->{values} || [] };
    }
    $cf->AddToObject($queue);
    $custom_fields{ $field->{name} } = $cf->id + 0;
}

my %users;
for my $wanted (@{ $input->{users} }) {
    my $user = RT::User->new($system);
    $user->Load($wanted->{name});
    unless ($user->id) {
        check("user $wanted->{name}", $user->Create(
            Name         => $wanted->{name},
            Password     => $wanted->{password},
            Privileged   => 1,
            EmailAddress => "$wanted->{name}\@example.test",
            Timezone     => 'UTC',
        ));
    }
    my $token = RT::AuthToken->new($system);
    my ($ok, $message, $value) = $token->Create(Owner => $user->id, Description => 'system tests');
    check("token of $wanted->{name}", $ok, $message);
    $users{ $wanted->{name} } = { id => $user->id + 0, token => $value };
}

# Every privileged user works the queue like an agent: the hub's user and the humans alike.
my $privileged = RT::Group->new($system);
$privileged->LoadSystemInternalGroup('Privileged');
for my $right (qw(
    SeeQueue ShowTicket ShowTicketComments CreateTicket ReplyToTicket CommentOnTicket ModifyTicket DeleteTicket
    OwnTicket TakeTicket SeeCustomField ModifyCustomField SetInitialCustomField
)) {
    check("right $right", $privileged->PrincipalObj->GrantRight(Right => $right, Object => $queue));
}

# Tickets are numbered max(id) + 1 (no AUTOINCREMENT in RT's SQLite schema): a
# placeholder row, deleted and in a disabled queue nobody may see, makes the
# instance's first ticket `firstTicketId`, so that two instances never share ticket ids.
my $first = $input->{firstTicketId} || 1;
if ($first > 1) {
    my $reserved = RT::Queue->new($system);
    $reserved->Load('Reserved ticket ids');
    unless ($reserved->id) {
        check('queue for reserved ticket ids', $reserved->Create(Name => 'Reserved ticket ids'));
        $reserved->SetDisabled(1);
    }
    my $placeholder = $first - 1;
    $RT::Handle->dbh->do(
        "INSERT INTO Tickets (id, EffectiveId, Queue, Type, Status, Subject, Creator, Created, LastUpdatedBy, LastUpdated)
         VALUES (?, ?, ?, 'ticket', 'deleted', 'placeholder: ticket ids start after it', ?, datetime('now'), ?, datetime('now'))",
        undef, $placeholder, $placeholder, $reserved->id, $system->id, $system->id,
    ) or die 'placeholder ticket: ' . $RT::Handle->dbh->errstr . "\n";
}

print JSON->new->canonical->encode({
    queue        => { id => $queue->id + 0, name => $queue->Name },
    customFields => \%custom_fields,
    users        => \%users,
}), "\n";
