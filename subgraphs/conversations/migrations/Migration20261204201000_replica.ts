import { Migration } from '@mikro-orm/migrations';

/**
 * What this subgraph knows of the instances subgraph, learnt from its change events only: instances
 * (owner, title), which knowledge base belongs to which instance, and entries with a full-text index
 * for answering from them; and how far each followed channel has been applied.
 */
export class Migration20261204201000_replica extends Migration {

  override name = 'Migration20261204201000_replica';

  override up(): void | Promise<void> {
    this.addSql(`create table "conversations"."instance_replica" ("id" uuid not null, "owner_id" uuid not null, "title" varchar(200) not null, primary key ("id"));`);
    this.addSql(`create index "instance_replica_owner_id_index" on "conversations"."instance_replica" ("owner_id");`);
    this.addSql(`create table "conversations"."knowledge_base_replica" ("id" uuid not null, "instance_id" uuid not null, primary key ("id"));`);
    this.addSql(`create index "knowledge_base_replica_instance_id_index" on "conversations"."knowledge_base_replica" ("instance_id");`);
    this.addSql(`create table "conversations"."entry_replica" ("id" uuid not null, "knowledge_base_id" uuid not null, "title" varchar(200) not null, "content" text not null, "search" tsvector generated always as (setweight(to_tsvector('english', "title"), 'A') || to_tsvector('english', "content")) stored, primary key ("id"));`);
    this.addSql(`create index "entry_replica_knowledge_base_id_index" on "conversations"."entry_replica" ("knowledge_base_id");`);
    this.addSql(`create index "entry_replica_search_index" on "conversations"."entry_replica" using gin ("search");`);
    this.addSql(`alter table "conversations"."conversation" add column "instance_id" uuid null;`);
    this.addSql(`create table "conversations"."replication_cursor" ("channel" varchar(200) not null, "cursor" varchar(100) not null, "updated_at" timestamptz not null, primary key ("channel"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "conversations"."replication_cursor";`);
    this.addSql(`alter table "conversations"."conversation" drop column "instance_id";`);
    this.addSql(`drop table if exists "conversations"."entry_replica";`);
    this.addSql(`drop table if exists "conversations"."knowledge_base_replica";`);
    this.addSql(`drop table if exists "conversations"."instance_replica";`);
  }

}
