// Strings of the four-eyes rule on accounts: statuses, approval, the
// one-time password shown to the approver, hand-over of cases on
// disabling, and the account notifications, in English, Russian and
// Kyrgyz. Merged into the dictionaries in dict.ts.

export const enAccounts = {
  'users.status.pending_approval': 'Awaiting approval',
  'users.pendingRole': 'Awaiting approval as',
  'users.approve': 'Approve',
  'users.approved': 'Account approved. Its one-time password, shown only now:',
  'users.approvedRole': 'Role change approved.',
  'users.handOver': 'Give it in person, never by e-mail. The holder must change it at the first sign-in.',
  'users.handedOver': 'I have written it down',
  'users.dismiss': 'OK',
  'users.noPassword': 'This role reads case data or grants roles: the account waits for a second person (a supervisor of the organization, or another admin) to approve it, and the one-time password is issued then.',
  'users.explainSupervisor': 'You approve the accounts of your organization’s caseworkers and supervisors that someone else asked for.',
  'users.reassignTo': 'Who takes over the cases',
  'users.reassignNobody': 'Nobody: the cases become unassigned',
  'login.pending': 'This account awaits a second person’s approval.',
  'notif.account.approval_requested': 'An account awaits approval',
  'notif.account.approved': 'An account was approved',
  'notif.account.created': 'An account was created',
  'notif.account.role_changed': 'An account’s role changed',
  'notif.account.enabled': 'An account was re-enabled',
  'notif.account.disabled': 'An account was disabled',
  'notif.account.password_reset': 'An account’s password was reset',
};

type AccountsKey = keyof typeof enAccounts;

export const ruAccounts: Record<AccountsKey, string> = {
  'users.status.pending_approval': 'Ожидает одобрения',
  'users.pendingRole': 'Ожидает одобрения в роли',
  'users.approve': 'Одобрить',
  'users.approved': 'Учётная запись одобрена. Её одноразовый пароль, показанный только сейчас:',
  'users.approvedRole': 'Смена роли одобрена.',
  'users.handOver': 'Передайте его лично, никогда по почте. Владелец должен сменить его при первом входе.',
  'users.handedOver': 'Я записал(а) пароль',
  'users.dismiss': 'Понятно',
  'users.noPassword': 'Эта роль читает дела или выдаёт роли: учётная запись ждёт одобрения второго человека (руководителя организации или другого администратора), и одноразовый пароль выдаётся тогда.',
  'users.explainSupervisor': 'Вы одобряете учётные записи специалистов и руководителей вашей организации, которые запросил кто-то другой.',
  'users.reassignTo': 'Кому передать дела',
  'users.reassignNobody': 'Никому: дела останутся без исполнителя',
  'login.pending': 'Эта учётная запись ожидает одобрения второго человека.',
  'notif.account.approval_requested': 'Учётная запись ожидает одобрения',
  'notif.account.approved': 'Учётная запись одобрена',
  'notif.account.created': 'Создана учётная запись',
  'notif.account.role_changed': 'Изменена роль учётной записи',
  'notif.account.enabled': 'Учётная запись снова включена',
  'notif.account.disabled': 'Учётная запись отключена',
  'notif.account.password_reset': 'Сброшен пароль учётной записи',
};

export const kyAccounts: Record<AccountsKey, string> = {
  'users.status.pending_approval': 'Бекитүүнү күтүүдө',
  'users.pendingRole': 'Бул ролдо бекитүүнү күтүүдө:',
  'users.approve': 'Бекитүү',
  'users.approved': 'Эсеп бекитилди. Анын бир жолку сырсөзү, азыр гана көрсөтүлөт:',
  'users.approvedRole': 'Ролдун өзгөрүшү бекитилди.',
  'users.handOver': 'Аны жеке колуна бериңиз, эч качан почта аркылуу эмес. Ээси биринчи киргенде аны өзгөртүшү керек.',
  'users.handedOver': 'Сырсөздү жазып алдым',
  'users.dismiss': 'Түшүнүктүү',
  'users.noPassword': 'Бул роль иштерди окуйт же ролдорду берет: эсеп экинчи адамдын (уюмдун жетекчисинин же башка администратордун) бекитүүсүн күтөт, бир жолку сырсөз ошондо берилет.',
  'users.explainSupervisor': 'Сиз уюмуңуздун кызматкерлеринин жана жетекчилеринин башка бирөө сураган эсептерин бекитесиз.',
  'users.reassignTo': 'Иштерди ким алат',
  'users.reassignNobody': 'Эч ким: иштер дайындалбаган бойдон калат',
  'login.pending': 'Бул эсеп экинчи адамдын бекитүүсүн күтүүдө.',
  'notif.account.approval_requested': 'Эсеп бекитүүнү күтүүдө',
  'notif.account.approved': 'Эсеп бекитилди',
  'notif.account.created': 'Эсеп түзүлдү',
  'notif.account.role_changed': 'Эсептин ролу өзгөрдү',
  'notif.account.enabled': 'Эсеп кайра иштетилди',
  'notif.account.disabled': 'Эсеп өчүрүлдү',
  'notif.account.password_reset': 'Эсептин сырсөзү жаңыртылды',
};
