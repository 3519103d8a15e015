export interface LocalizedName { ru: string; ky: string; en: string }

export interface Me {
  id: string;
  email: string;
  name: string;
  role: string;
  organization: { id: string; code: string; name: LocalizedName; kind: string; region: string };
  permissions: string[];
  must_change_password: boolean;
}

export interface Identity {
  given_name?: string;
  family_name?: string;
  patronymic?: string;
  birth_date?: string;
  document_number?: string;
  phone?: string;
  address?: string;
}

export interface Case {
  id: string;
  code: string;
  version: number;
  owner_organization_id: string;
  stage: string;
  status: string;
  closure_reason?: string | null;
  risk_level?: string | null;
  identified_at?: string | null;
  identification_channel?: string | null;
  trafficking_status?: string | null;
  sex?: string | null;
  age_bracket?: string | null;
  is_minor?: boolean | null;
  citizenship?: string | null;
  region_of_origin?: string | null;
  exploitation_types?: string[] | null;
  identity?: Identity | null;
}

export interface StageMove {
  id: string;
  from_stage: string | null;
  to_stage: string;
  reason: string | null;
  closure_reason: string | null;
  moved_by: string;
  moved_at: string;
}

export interface Assistance {
  id: string;
  type: string;
  status: string;
  started_on?: string | null;
  ended_on?: string | null;
  cost_kgs?: number | null;
}

export interface Note { id: string; text: string; author_id: string; created_at: string }

export interface Referral {
  id: string;
  code?: string;
  case_id: string;
  kind: string;
  assistance_types: string[];
  urgency: string;
  status: string;
  due_at: string | null;
  overdue: boolean;
  case_summary?: { code?: string } | null;
}

export interface Notification { id: string; kind: string; ref_code: string; link: string; created_at: string; read_at: string | null }

export const STAGES = ['identification', 'shelter', 'rehabilitation', 'reintegration', 'closed'] as const;
export const STATUSES = ['open', 'closed'] as const;
export const RISKS = ['low', 'medium', 'high'] as const;
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const ASSISTANCE_TYPES = ['shelter', 'psychological', 'medical', 'legal', 'vocational_training', 'income_generation', 'homecoming', 'employment', 'housing', 'education', 'family_reunification', 'documents', 'financial', 'other'] as const;
export const ASSISTANCE_STATUSES = ['planned', 'in_progress', 'completed', 'declined'] as const;
export const CLOSURE_REASONS = ['reintegrated', 'transferred', 'declined_assistance', 'lost_contact', 'not_a_victim', 'deceased', 'other'] as const;
