using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FaceWeb.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RoomPosts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "RoomLink",
                table: "Sessions",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RoomName",
                table: "Sessions",
                type: "character varying(80)",
                maxLength: 80,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "OriginNode",
                table: "Latents",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "Edits",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "Latent",
                table: "Edits",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Layers",
                table: "Edits",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "OriginNode",
                table: "Edits",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Parameters",
                table: "Edits",
                type: "character varying(16000)",
                maxLength: 16000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Width",
                table: "Edits",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RoomLink",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "RoomName",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "OriginNode",
                table: "Latents");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Latent",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Layers",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "OriginNode",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Parameters",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Width",
                table: "Edits");
        }
    }
}
