import { Migration } from '@mikro-orm/migrations';

export class Migration20261204190000_init extends Migration {

  override name = 'Migration20261204190000_init';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "conversations";`);
    this.addSql(`create table "conversations"."conversation" ("id" uuid not null, "owner_id" uuid not null, "title" varchar(200) not null, "archived" boolean not null default false, "created_at" timestamptz not null, "last_message_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create table "conversations"."participant" ("id" uuid not null, "conversation_id" uuid not null, "user_id" uuid not null, "joined_at" timestamptz not null, "read_at" timestamptz null, "read_message_id" uuid null, "activity_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "conversations"."participant" add constraint "participant_conversation_id_user_id_unique" unique ("conversation_id", "user_id");`);
    this.addSql(`create index "participant_user_id_activity_at_conversation_id_index" on "conversations"."participant" ("user_id", "activity_at", "conversation_id");`);
    this.addSql(`alter table "conversations"."participant" add constraint "participant_conversation_id_foreign" foreign key ("conversation_id") references "conversations"."conversation" ("id") on update cascade on delete cascade;`);
    this.addSql(`create table "conversations"."message" ("id" uuid not null, "conversation_id" uuid not null, "author_id" uuid null, "role" text check ("role" in ('USER', 'ASSISTANT', 'SYSTEM')) not null, "content" text not null, "parent_id" uuid null, "status" text check ("status" in ('PENDING', 'STREAMING', 'COMPLETED', 'FAILED', 'CANCELLED')) not null, "citations" jsonb not null default '[]', "input_tokens" int null, "output_tokens" int null, "model" varchar(200) null, "provider" varchar(100) null, "client_request_id" varchar(100) null, "created_at" timestamptz not null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "message_conversation_id_created_at_id_index" on "conversations"."message" ("conversation_id", "created_at", "id");`);
    this.addSql(`alter table "conversations"."message" add constraint "message_author_id_client_request_id_unique" unique ("author_id", "client_request_id");`);
    this.addSql(`alter table "conversations"."message" add constraint "message_conversation_id_foreign" foreign key ("conversation_id") references "conversations"."conversation" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversations"."message" add constraint "message_parent_id_foreign" foreign key ("parent_id") references "conversations"."message" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop schema if exists "conversations" cascade;`);
  }

}
